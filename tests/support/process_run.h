// Running a program from a test (the CLI, Chromium, a compiler): its exit code and both streams,
// killed when it overruns its time.
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace ptl::test {

struct Run {
    int exitCode = -1;  // -1 when it crashed, did not start or was killed for overrunning
    QByteArray out, err;
};

inline Run runProcess(const QString& program, const QStringList& arguments, int timeoutMs = 120000,
                      const QByteArray& input = {}) {
    QProcess process;
    process.start(program, arguments);
    // stdin stays open: closing it cancels a worker's job
    if (!input.isEmpty()) process.write(input);
    Run run;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.err = program.toUtf8() + " did not finish within " + QByteArray::number(timeoutMs / 1000) + " s";
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

}  // namespace ptl::test
