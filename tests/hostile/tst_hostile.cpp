// The hostile suite (issue 12): ptl-studio-cli against hundreds of damaged and hostile model files
// that make_hostile.py derives from real TorchScript and Lite models into a temporary folder.
//
// Every run of the CLI gets its own HOME, TMPDIR and working directory inside that folder and a
// wall-clock guard longer than the CLI's own --timeout. A run passes when the CLI
//   - is not killed by a signal and does not hang (the guard kills the whole process group);
//   - exits 2 or 3 with exactly one non-empty line on stderr that names the file, or, where the case
//     allows it, exits 0 (with parseable --json on stdout; for "flag" cases an error-severity finding
//     in inspect's report);
//   - writes nothing: no file appears in its HOME or working directory, at the paths the hostile model
//     aims at, or in the watched sentinel tree; the model's print() never reaches stdout;
//   - leaves no partial output: convert's -o target and its folder stay empty after a failure;
//   - leaves no process behind in its process group.
// The `worker` command sends the same file to `ptl-studio-cli worker` as an inspect request (the GUI's
// way): its events must be JSON Lines ending in exactly one terminal event, an error being one line
// naming the file. A job still running after 20 s gets the GUI's cancel and must answer `cancelled`
// (or end otherwise) before the guard.
// Readings a demanding user would take where the issue leaves room: a warning-severity finding is
// not enough for a dangerous file; model code must not write files anywhere, not even into the run's
// own working directory; a message naming the file may escape bytes that are not UTF-8 or control
// characters, so the check looks for the longest plain-ASCII run of the file's name.
//
// Subsets: `tst_hostile -class NAME[,NAME]` or PTL_HOSTILE_CLASS=NAME[,NAME] (generates only those
// classes), `-case TEXT` or PTL_HOSTILE_CASE=TEXT (case ids containing TEXT). PTL_HOSTILE_JOBS
// (default 2) runs in parallel; PTL_HOSTILE_KEEP=1 keeps the temporary folder; PTL_HOSTILE_CLI runs
// another build of the CLI (a sanitizer build, say); PTL_HOSTILE_RUNS=FILE writes every run as a TSV line.
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

namespace {

struct Options {
    QStringList classes;
    QString caseFilter;
    int jobs = 2;
    bool keep = false;
};
Options g_options;

struct Case {
    QString id, cls, expect, needs;
    QByteArray path;  // raw bytes: some names are not UTF-8
    QStringList commands, inputs, targets;
};

struct CliAbilities {
    bool timeout = false;      // inspect/convert/bench accept --timeout SECONDS
    bool memoryLimit = false;  // ... and --memory-limit
};

// Outcomes, worst first: a run is reported under the first one that applies.
const QStringList kOutcomes = {QStringLiteral("signal"),      QStringLiteral("hang"),
                               QStringLiteral("wrote-outside"), QStringLiteral("partial-output"),
                               QStringLiteral("stray-process"), QStringLiteral("wrong-exit"),
                               QStringLiteral("bad-json"),      QStringLiteral("bad-message"),
                               QStringLiteral("ok"),            QStringLiteral("skipped")};

struct Verdict {
    const char* outcome = "ok";
    QString detail;
};

struct Result {
    const Case* hostile = nullptr;
    QString command, outcome, detail;
    QByteArray err;
};

constexpr int kCliTimeoutSeconds = 20;

// The CLI under test is built like this test (./build.sh asan builds both). An ASan build cannot cap
// memory: its shadow memory rules RLIMIT_DATA out, and its operator new ends the process when memory
// runs out instead of throwing bad_alloc. Cases that exhaust memory on purpose are skipped there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif
const QByteArray kPrintMarker = "PTL-HOSTILE-PRINTED";

// A line the model's print() wrote: it starts with the marker, or is the JSON-like line one case
// prints. The marker inside the report itself (the string constant, the source line) is quoted
// and indented, so it does not count.
bool printedOnStdout(const QByteArray& out) {
    for (const QByteArray& line : out.split('\n'))
        if (line.startsWith(kPrintMarker) || line == "{\"schema\": \"" + kPrintMarker + "\"}") return true;
    return false;
}

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Paths, sizes and modification times of every entry under a folder.
std::map<QString, QPair<qint64, qint64>> snapshot(const QString& root) {
    std::map<QString, QPair<qint64, qint64>> entries;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        const QFileInfo info = it.fileInfo();
        entries[info.filePath()] = {info.size(), info.lastModified().toMSecsSinceEpoch()};
    }
    return entries;
}

QStringList listTree(const QString& root) {
    QStringList names;
    for (const auto& entry : snapshot(root)) names << QDir(root).relativeFilePath(entry.first);
    return names;
}

// The longest run of printable ASCII in the file's name: what any escaped form of it keeps.
QByteArray nameEvidence(const QByteArray& path) {
    const QByteArray base = path.mid(path.lastIndexOf('/') + 1);
    QByteArray best, current;
    for (const char c : base + '\0') {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            current += c;
        } else {
            if (current.size() > best.size()) best = current;
            current.clear();
        }
    }
    return best;
}

bool jsonObject(const QByteArray& out, QJsonObject* object) {
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(out, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) return false;
    if (object) *object = document.object();
    return true;
}

bool hasErrorFinding(const QJsonObject& report) {
    for (const QJsonValue finding : report.value(QStringLiteral("findings")).toArray())
        if (finding.toObject().value(QStringLiteral("severity")).toString() == QStringLiteral("error")) return true;
    return false;
}

// A shell quote of raw bytes with printf escapes, for paths a QString cannot carry.
QByteArray printfEscaped(const QByteArray& raw) {
    QByteArray out;
    for (const unsigned char c : raw) out += QByteArray("\\") + QByteArray::number(c, 8).rightJustified(3, '0');
    return out;
}

class HostileRunner : public QObject {
    Q_OBJECT
public:
    HostileRunner(QString root, QString cli, CliAbilities abilities)
        : m_root(std::move(root)), m_cli(std::move(cli)), m_abilities(abilities) {}

    std::vector<Result> run(const std::vector<Case>& cases, int jobs) {
        for (const Case& hostile : cases)
            for (const QString& command : hostile.commands) m_queue.push_back({&hostile, command});
        m_total = int(m_queue.size());
        QEventLoop loop;
        m_loop = &loop;
        for (int i = 0; i < jobs; ++i) startNext();
        if (m_running > 0) loop.exec();
        return std::move(m_results);
    }

    int guardSeconds() const {
        const int fromEnv = qEnvironmentVariableIntValue("PTL_HOSTILE_GUARD");
        if (fromEnv > 0) return fromEnv;
        // Longer than the CLI's own limit, so that a limit the CLI enforces is seen as its own message.
        return m_abilities.timeout ? kCliTimeoutSeconds + 25 : 30;
    }

private:
    struct Pending {
        const Case* hostile;
        QString command;
    };

    struct Active {
        Pending job;
        QString dir;
        QProcess* process = nullptr;
        QTimer* guard = nullptr;
        bool timedOut = false;
        bool cancelSent = false;
        qint64 pid = 0;
    };

    QStringList argumentsFor(const Pending& job, const QString& dir) const {
        QStringList args;
        const QString path = QString::fromUtf8(job.hostile->path);
        if (job.command == QStringLiteral("inspect")) args << QStringLiteral("inspect") << path << QStringLiteral("--json");
        else if (job.command == QStringLiteral("inspect-text")) args << QStringLiteral("inspect") << path;
        else if (job.command == QStringLiteral("convert"))
            args << QStringLiteral("convert") << path << QStringLiteral("-o") << dir + QStringLiteral("/out/converted.ptl")
                 << QStringLiteral("--json") << QStringLiteral("--progress") << QStringLiteral("none");
        else if (job.command == QStringLiteral("report"))
            args << QStringLiteral("report") << path << QStringLiteral("-o") << dir + QStringLiteral("/out/review.html")
                 << QStringLiteral("--iters") << QStringLiteral("3") << QStringLiteral("--warmup") << QStringLiteral("1")
                 << QStringLiteral("--progress") << QStringLiteral("none");
        else if (job.command == QStringLiteral("worker"))
            return {QStringLiteral("worker")};  // the request goes on stdin
        else
            args << QStringLiteral("bench") << path << QStringLiteral("--iters") << QStringLiteral("3")
                 << QStringLiteral("--warmup") << QStringLiteral("1") << QStringLiteral("--json")
                 << QStringLiteral("--progress") << QStringLiteral("none");
        for (const QString& input : job.hostile->inputs) args << QStringLiteral("--input") << input;
        if (m_abilities.timeout) args << QStringLiteral("--timeout") << QString::number(kCliTimeoutSeconds);
        // The default limit is most of this computer's memory; the growing-list case would take it all
        // from the other jobs of a CI machine, and no case here needs more than a few hundred MB.
        if (m_abilities.memoryLimit) args << QStringLiteral("--memory-limit") << QStringLiteral("4G");
        return args;
    }

    void startNext() {
        while (!m_queue.empty()) {
            const Pending job = m_queue.front();
            m_queue.pop_front();
            if (!job.hostile->needs.isEmpty() &&
                !(job.hostile->needs == QStringLiteral("--memory-limit") && m_abilities.memoryLimit && !kSanitizerBuild)) {
                m_results.push_back({job.hostile, job.command, QStringLiteral("skipped"),
                                     QStringLiteral("needs ") + job.hostile->needs +
                                         (kSanitizerBuild ? QStringLiteral(", which an ASan build cannot enforce") : QString()),
                                     {}});
                continue;
            }
            start(job);
            return;
        }
        if (m_running == 0 && m_loop) m_loop->quit();
    }

    void start(const Pending& job) {
        auto* active = new Active{job, QStringLiteral("%1/run/%2").arg(m_root).arg(++m_started)};
        for (const char* sub : {"home", "cwd", "tmp", "out"}) QDir().mkpath(active->dir + QLatin1Char('/') + QLatin1String(sub));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), active->dir + QStringLiteral("/home"));
        env.insert(QStringLiteral("TMPDIR"), active->dir + QStringLiteral("/tmp"));
        env.insert(QStringLiteral("XDG_CACHE_HOME"), active->dir + QStringLiteral("/home/.cache"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), active->dir + QStringLiteral("/home/.config"));
        env.insert(QStringLiteral("XDG_DATA_HOME"), active->dir + QStringLiteral("/home/.local/share"));
        env.remove(QStringLiteral("DISPLAY"));

        auto* process = new QProcess(this);
        active->process = process;
        process->setWorkingDirectory(active->dir + QStringLiteral("/cwd"));
        process->setProcessEnvironment(env);
        process->setChildProcessModifier([] {
            ::setsid();  // its own group: the guard kills every child
            const rlimit noCore{0, 0};
            ::setrlimit(RLIMIT_CORE, &noCore);  // crashes are counted, not dumped into the working directory
        });
        QStringList args = argumentsFor(job, active->dir);
        if (QString::fromUtf8(job.hostile->path).toUtf8() != job.hostile->path) {
            // Not UTF-8: a QString argument cannot carry the name, so a shell rebuilds it and execs the CLI.
            const QString path = QString::fromUtf8(job.hostile->path);
            QStringList rest;
            for (const QString& arg : args) rest << (arg == path ? QStringLiteral("@PATH@") : arg);
            const QString script = QStringLiteral(
                "p=$(printf '%1'; echo x); p=${p%x}; cli=$1; shift; "
                "for a in \"$@\"; do if [ \"$a\" = @PATH@ ]; then set -- \"$@\" \"$p\"; else set -- \"$@\" \"$a\"; fi; shift; done; "
                "exec \"$cli\" \"$@\"").arg(QString::fromLatin1(printfEscaped(job.hostile->path)));
            process->setProgram(QStringLiteral("/bin/sh"));
            process->setArguments(QStringList{QStringLiteral("-c"), script, QStringLiteral("sh"), m_cli} + rest);
        } else {
            process->setProgram(m_cli);
            process->setArguments(args);
        }
        active->guard = new QTimer(this);
        active->guard->setSingleShot(true);
        connect(active->guard, &QTimer::timeout, this, [active] {
            active->timedOut = true;
            if (active->pid > 0) ::kill(-pid_t(active->pid), SIGKILL);
        });
        connect(process, &QProcess::finished, this, [this, active] { finish(active); });
        connect(process, &QProcess::errorOccurred, this, [this, active](QProcess::ProcessError error) {
            if (error == QProcess::FailedToStart) finish(active);
        }, Qt::QueuedConnection);  // after start() returns, which still uses `active`
        ++m_running;
        process->start();
        active->pid = process->processId();
        if (job.command == QStringLiteral("worker")) {
            // An inspect job, as the GUI sends it; stdin stays open (closing it would cancel).
            QJsonObject request{{QStringLiteral("job"), QStringLiteral("inspect")},
                                {QStringLiteral("model"), QString::fromUtf8(job.hostile->path)}};
            if (!job.hostile->inputs.isEmpty()) request.insert(QStringLiteral("inputs"), QJsonArray::fromStringList(job.hostile->inputs));
            process->write(QJsonDocument(request).toJson(QJsonDocument::Compact) + '\n');
            // As the GUI's Cancel: a job still running then must answer `cancelled` before the guard.
            QTimer::singleShot(kCliTimeoutSeconds * 1000, process, [active] {
                if (active->process->state() != QProcess::Running) return;
                active->cancelSent = true;
                active->process->write("{\"cancel\":true}\n");
            });
        }
        active->guard->start(guardSeconds() * 1000);
    }

    void finish(Active* active) {
        active->guard->stop();
        Result result = evaluate(*active);
        m_results.push_back(result);
        if (result.outcome != QStringLiteral("ok") && result.outcome != QStringLiteral("skipped"))
            ++m_failed;
        const int done = int(m_results.size());
        if (done % 50 == 0 || done == m_total)
            std::fprintf(stderr, "hostile: %d/%d runs, %d failing\n", done, m_total, m_failed);
        QDir(active->dir).removeRecursively();
        active->process->deleteLater();
        active->guard->deleteLater();
        delete active;
        --m_running;
        startNext();
    }

    // Anything the run created where it must not: its HOME and working directory, and the paths the
    // hostile model aims at (removed once seen, so a later run of the same case is judged afresh).
    QStringList writes(const Active& active) const {
        QStringList found;
        for (const char* sub : {"home", "cwd"})
            for (const QString& name : listTree(active.dir + QLatin1Char('/') + QLatin1String(sub)))
                found << QLatin1String(sub) + QLatin1Char('/') + name;
        for (QString target : active.job.hostile->targets) {
            if (target.startsWith(QStringLiteral("@cwd/"))) target = active.dir + QStringLiteral("/cwd/") + target.mid(5);
            if (QFileInfo::exists(target) || QFileInfo(target).isSymLink()) {
                found << target;
                QFile::remove(target);
            }
        }
        return found;
    }

    // Signals, hangs, writes, partial output and stray processes: the same for every command.
    Result evaluate(const Active& active) const {
        const Pending& job = active.job;
        Result result{job.hostile, job.command, {}, {}, {}};
        QProcess& process = *active.process;
        result.err = process.readAllStandardError();
        const QByteArray out = process.readAllStandardOutput();
        const int code = process.exitCode();
        const bool crashed = process.exitStatus() == QProcess::CrashExit && !active.timedOut;

        // Reap what the CLI left in its group: a worker that outlived it is a failure too.
        bool stray = false;
        if (active.pid > 0 && ::kill(-pid_t(active.pid), 0) == 0) {
            QThread::msleep(200);
            if (::kill(-pid_t(active.pid), 0) == 0) {
                stray = true;
                ::kill(-pid_t(active.pid), SIGKILL);
            }
        }
        const QStringList written = writes(active);
        const QStringList output = listTree(active.dir + QStringLiteral("/out"));

        Verdict verdict;
        if (process.error() == QProcess::FailedToStart) verdict = {"wrong-exit", QStringLiteral("the CLI did not start")};
        else if (crashed) verdict = {"signal", QStringLiteral("killed by signal %1").arg(code)};
        else if (active.timedOut)
            verdict = {"hang", QStringLiteral("still running after %1 s%2").arg(guardSeconds())
                                   .arg(active.cancelSent ? QStringLiteral(", cancelled after %1 s").arg(kCliTimeoutSeconds) : QString())};
        else if (!written.isEmpty()) verdict = {"wrote-outside", written.join(QStringLiteral(", "))};
        else if (code != 0 && !output.isEmpty())
            verdict = {"partial-output", QStringLiteral("after exit %1: %2").arg(code).arg(output.join(QStringLiteral(", ")))};
        else if (stray) verdict = {"stray-process", QStringLiteral("a process of its group outlived the CLI")};
        else if (job.command == QStringLiteral("worker")) verdict = judgeWorker(*job.hostile, out, active.cancelSent);
        else verdict = judgeCli(job, code, out, result.err, output);
        result.outcome = QLatin1String(verdict.outcome);
        result.detail = verdict.detail;
        return result;
    }

    // Exit 2 or 3 with one line naming the file, or exit 0 where the case allows it.
    static Verdict judgeCli(const Pending& job, int code, const QByteArray& out, const QByteArray& err,
                            const QStringList& output) {
        const QString& expect = job.hostile->expect;
        if (code == 2 || code == 3) {
            if (expect == QStringLiteral("accept")) return {"wrong-exit", QStringLiteral("exit %1 on a valid model").arg(code)};
            return judgeMessage(*job.hostile, err);
        }
        if (code != 0) return {"wrong-exit", QStringLiteral("exit %1").arg(code)};
        if (expect == QStringLiteral("refuse")) return {"wrong-exit", QStringLiteral("exit 0 on a file that must be refused")};
        if (printedOnStdout(out)) return {"bad-json", QStringLiteral("the model's print() reached stdout")};
        if (job.command == QStringLiteral("report")) {
            if (output != QStringList{QStringLiteral("review.html")})
                return {"wrong-exit", QStringLiteral("report exited 0 leaving [%1] in the output folder").arg(output.join(QStringLiteral(", ")))};
            return {"ok", {}};
        }
        if (job.command == QStringLiteral("inspect-text")) {
            if (expect == QStringLiteral("flag") &&
                !QRegularExpression(QStringLiteral("Findings: [1-9][0-9]* error")).match(QString::fromUtf8(out)).hasMatch())
                return {"wrong-exit", QStringLiteral("exit 0 without an error-severity finding")};
            return {"ok", {}};
        }
        QJsonObject report;
        if (!jsonObject(out, &report)) return {"bad-json", QStringLiteral("stdout is not one JSON object")};
        if (expect == QStringLiteral("flag") && job.command == QStringLiteral("inspect") && !hasErrorFinding(report))
            return {"wrong-exit", QStringLiteral("exit 0 without an error-severity finding")};
        if (job.command == QStringLiteral("convert") && output != QStringList{QStringLiteral("converted.ptl")})
            return {"wrong-exit", QStringLiteral("convert exited 0 leaving [%1] in the output folder").arg(output.join(QStringLiteral(", ")))};
        return {"ok", {}};
    }

    // The worker's events: JSON Lines, exactly one terminal event, last; an error is one line naming the file.
    static Verdict judgeWorker(const Case& hostile, const QByteArray& out, bool cancelSent) {
        QJsonObject terminal;
        int terminals = 0;
        for (const QByteArray& line : out.split('\n')) {
            if (line.trimmed().isEmpty()) continue;
            QJsonObject event;
            if (!jsonObject(line, &event)) return {"bad-json", QStringLiteral("an event line is not a JSON object")};
            if (terminals > 0) return {"wrong-exit", QStringLiteral("events after the terminal event")};
            const QString kind = event.value(QStringLiteral("event")).toString();
            if (kind == QStringLiteral("result") || kind == QStringLiteral("error") || kind == QStringLiteral("cancelled")) {
                terminal = event;
                ++terminals;
            }
        }
        if (terminals == 0) return {"wrong-exit", QStringLiteral("the worker ended without a terminal event")};
        const QString kind = terminal.value(QStringLiteral("event")).toString();
        if (kind == QStringLiteral("error")) {
            if (hostile.expect == QStringLiteral("accept")) return {"wrong-exit", QStringLiteral("an error event on a valid model")};
            return judgeMessage(hostile, terminal.value(QStringLiteral("message")).toString().toUtf8());
        }
        if (kind == QStringLiteral("cancelled") && cancelSent && hostile.expect != QStringLiteral("accept")) return {"ok", {}};
        if (kind != QStringLiteral("result")) return {"wrong-exit", QStringLiteral("a %1 event nobody asked for").arg(kind)};
        if (hostile.expect == QStringLiteral("refuse")) return {"wrong-exit", QStringLiteral("a result for a file that must be refused")};
        if (hostile.expect == QStringLiteral("flag") && !hasErrorFinding(terminal.value(QStringLiteral("report")).toObject()))
            return {"wrong-exit", QStringLiteral("a result without an error-severity finding")};
        return {"ok", {}};
    }

    // One non-empty line that names the file.
    static Verdict judgeMessage(const Case& hostile, QByteArray message) {
        message = withoutSanitizerNotes(message);
        while (message.endsWith('\n')) message.chop(1);
        if (message.isEmpty() || message.contains('\n'))
            return {"bad-message", QStringLiteral("%1 lines of message").arg(message.isEmpty() ? 0 : message.count('\n') + 1)};
        const QByteArray evidence = nameEvidence(hostile.path);
        const QByteArray base = QFileInfo(QString::fromUtf8(hostile.path)).fileName().toUtf8();
        const bool names = message.contains(hostile.path) || message.contains(evidence.size() >= 3 ? evidence : base);
        if (!names) return {"bad-message", QStringLiteral("the message does not name the file")};
        return {"ok", {}};
    }

    // Under ASan (./build.sh asan), an allocation refused by its soft RSS limit (the stand-in for
    // --memory-limit) or by its size prints one of these notes before LibTorch's bad_alloc reaches
    // the product's own message: the sanitizer's lines, not ours.
    static QByteArray withoutSanitizerNotes(const QByteArray& message) {
        static const QRegularExpression note(
            QStringLiteral("^==\\d+==(WARNING: AddressSanitizer failed to allocate 0x[0-9a-f]+ bytes|"
                           "AddressSanitizer: soft rss limit exhausted \\(\\d+Mb vs \\d+Mb\\))\\n"),
            QRegularExpression::MultilineOption);
        return QString::fromUtf8(message).remove(note).toUtf8();
    }

    QString m_root, m_cli;
    CliAbilities m_abilities;
    std::deque<Pending> m_queue;
    std::vector<Result> m_results;
    QEventLoop* m_loop = nullptr;
    int m_running = 0, m_started = 0, m_total = 0, m_failed = 0;
};

CliAbilities probeCli(const QString& cli) {
    CliAbilities abilities{true, true};
    for (const char* sub : {"inspect", "convert", "bench", "report"}) {
        QProcess help;
        help.start(cli, {QLatin1String(sub), QStringLiteral("--help")});
        help.waitForFinished(60000);
        const QByteArray text = help.readAllStandardOutput();
        abilities.timeout = abilities.timeout && text.contains("--timeout");
        abilities.memoryLimit = abilities.memoryLimit && text.contains("--memory-limit");
    }
    return abilities;
}

std::vector<Case> readManifest(const QString& path, QString* sentinel) {
    std::vector<Case> cases;
    const QJsonObject manifest = QJsonDocument::fromJson(readAll(path)).object();
    *sentinel = manifest.value(QStringLiteral("sentinel")).toString();
    for (const QJsonValue value : manifest.value(QStringLiteral("cases")).toArray()) {
        const QJsonObject object = value.toObject();
        Case hostile;
        hostile.id = object.value(QStringLiteral("id")).toString();
        hostile.cls = object.value(QStringLiteral("class")).toString();
        hostile.expect = object.value(QStringLiteral("expect")).toString();
        hostile.needs = object.value(QStringLiteral("needs")).toString();
        hostile.path = object.contains(QStringLiteral("pathHex"))
                           ? QByteArray::fromHex(object.value(QStringLiteral("pathHex")).toString().toLatin1())
                           : object.value(QStringLiteral("path")).toString().toUtf8();
        for (const QJsonValue v : object.value(QStringLiteral("commands")).toArray()) hostile.commands << v.toString();
        for (const QJsonValue v : object.value(QStringLiteral("inputs")).toArray()) hostile.inputs << v.toString();
        for (const QJsonValue v : object.value(QStringLiteral("targets")).toArray()) hostile.targets << v.toString();
        if (g_options.caseFilter.isEmpty() || hostile.id.contains(g_options.caseFilter)) cases.push_back(hostile);
    }
    return cases;
}

// A case id or message on one terminal line: control characters shown as escapes.
QByteArray printable(const QByteArray& text) {
    QByteArray out;
    for (const char c : text) {
        if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) out += "\\x" + QByteArray::number(static_cast<unsigned char>(c), 16).rightJustified(2, '0');
        else out += c;
    }
    return out;
}

// Counts by class and outcome, then the first failing runs of each class with their stderr.
QString printReport(const std::vector<Result>& results, const QStringList& classOrder) {
    std::map<QString, std::map<QString, int>> table;
    std::map<QString, int> totals;
    for (const Result& result : results) {
        ++table[result.hostile->cls][result.outcome];
        ++totals[result.outcome];
    }
    std::printf("\n%-20s", "class");
    for (const QString& outcome : kOutcomes) std::printf(" %9s", qPrintable(outcome.left(9)));
    std::printf("\n");
    for (const QString& cls : classOrder) {
        if (!table.count(cls)) continue;
        std::printf("%-20s", qPrintable(cls));
        for (const QString& outcome : kOutcomes) std::printf(" %9d", table[cls][outcome]);
        std::printf("\n");
    }
    for (const QString& cls : classOrder) {
        QSet<QString> seen;  // the first failing run of each outcome
        for (const Result& result : results) {
            if (result.hostile->cls != cls || result.outcome == QStringLiteral("ok") ||
                result.outcome == QStringLiteral("skipped") || seen.contains(result.outcome))
                continue;
            if (seen.isEmpty()) std::printf("\n[%s] first failing runs:\n", qPrintable(cls));
            seen.insert(result.outcome);
            std::printf("  %-14s %-8s %s (%s)\n", qPrintable(result.outcome), qPrintable(result.command),
                        printable(result.hostile->id.toUtf8()).constData(), printable(result.detail.toUtf8()).constData());
            QByteArray err = result.err.left(600);
            err.replace('\n', "\n      | ");
            if (!err.trimmed().isEmpty()) std::printf("      | %s\n", err.constData());
        }
    }
    QString summary = QStringLiteral("hostile: %1 cases").arg(results.size());
    for (const char* outcome : {"ok", "signal", "hang", "wrong-exit", "wrote-outside", "partial-output", "bad-message",
                                "bad-json", "stray-process", "skipped"})
        summary += QStringLiteral(", %1 %2").arg(totals[QLatin1String(outcome)]).arg(QLatin1String(outcome));
    std::printf("\n%s\n", qPrintable(summary));
    std::fflush(stdout);
    return summary;
}

// Every run, one per line, for whoever fixes a class: class, case, command, outcome, detail, stderr's first line.
void writeRunList(const std::vector<Result>& results, const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) return;
    for (const Result& result : results) {
        const QByteArray firstLine = result.err.left(result.err.indexOf('\n') < 0 ? result.err.size() : result.err.indexOf('\n'));
        file.write(printable(result.hostile->cls.toUtf8()) + '\t' + printable(result.hostile->id.toUtf8()) + '\t' +
                   result.command.toUtf8() + '\t' + result.outcome.toUtf8() + '\t' + printable(result.detail.toUtf8()) +
                   '\t' + printable(firstLine.left(300)) + '\n');
    }
}

}  // namespace

class HostileTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        if (!m_dir.isValid()) QSKIP("no temporary folder");
        m_dir.setAutoRemove(!g_options.keep);
        if (g_options.keep) std::printf("hostile: keeping %s\n", qPrintable(m_dir.path()));
        QElapsedTimer timer;
        timer.start();
        QProcess generator;
        generator.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QStringList args{QStringLiteral(PTL_HOSTILE_GENERATOR), QStringLiteral("--out"), m_dir.filePath(QStringLiteral("cases")),
                         QStringLiteral("--sentinel"), m_dir.filePath(QStringLiteral("sentinel"))};
        if (!g_options.classes.isEmpty()) args << QStringLiteral("--classes") << g_options.classes.join(QLatin1Char(','));
        generator.start(QStringLiteral("/usr/bin/python3"), args);
        QVERIFY2(generator.waitForFinished(600000), "make_hostile.py did not finish in 10 minutes");
        QVERIFY2(generator.exitCode() == 0, generator.readAllStandardOutput().constData());
        m_generateSeconds = timer.elapsed() / 1000.0;
        m_cases = readManifest(m_dir.filePath(QStringLiteral("cases/manifest.json")), &m_sentinel);
        QVERIFY2(!m_cases.empty(), "the manifest holds no case");
        // Files of the user's that hostile code might overwrite: any change to them is a failure.
        QDir(m_sentinel).mkpath(QStringLiteral("documents"));
        for (const char* name : {"documents/notes.txt", "model.pt", "settings.ini"}) {
            QFile file(m_sentinel + QLatin1Char('/') + QLatin1String(name));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("the user's own file\n");
        }
        QVERIFY(QFileInfo(m_sentinel).isAbsolute());
    }

    void hostileCases() {
        const QString cli = qEnvironmentVariableIsEmpty("PTL_HOSTILE_CLI") ? QStringLiteral(PTL_CLI_PATH)
                                                                           : qEnvironmentVariable("PTL_HOSTILE_CLI");
        const CliAbilities abilities = probeCli(cli);
        const auto before = snapshot(m_sentinel);
        QElapsedTimer timer;
        timer.start();
        HostileRunner runner(m_dir.path(), cli, abilities);
        std::printf("hostile: %zu files generated in %.1f s; %s %s --timeout and %s --memory-limit; guard %d s, "
                    "%d at a time\n", m_cases.size(), m_generateSeconds, qPrintable(cli), abilities.timeout ? "takes" : "lacks",
                    abilities.memoryLimit ? "takes" : "lacks", runner.guardSeconds(), g_options.jobs);
        std::fflush(stdout);
        std::vector<Result> results = runner.run(m_cases, g_options.jobs);

        // Changes in the sentinel tree that no run's own targets explain.
        const auto after = snapshot(m_sentinel);
        QStringList changed;
        for (const auto& entry : after)
            if (!before.count(entry.first) || before.at(entry.first) != entry.second) changed << entry.first;
        for (const auto& entry : before)
            if (!after.count(entry.first)) changed << entry.first + QStringLiteral(" (removed)");

        QStringList order;
        for (const Case& hostile : m_cases)
            if (!order.contains(hostile.cls)) order << hostile.cls;
        const QString summary = printReport(results, order);
        if (!qEnvironmentVariableIsEmpty("PTL_HOSTILE_RUNS")) writeRunList(results, qEnvironmentVariable("PTL_HOSTILE_RUNS"));
        std::printf("hostile: %.1f s for %zu runs\n", timer.elapsed() / 1000.0, results.size());
        if (!changed.isEmpty()) std::printf("hostile: the sentinel tree changed: %s\n", qPrintable(changed.join(QStringLiteral(", "))));
        std::fflush(stdout);
        int failures = 0;
        for (const Result& result : results)
            failures += result.outcome != QStringLiteral("ok") && result.outcome != QStringLiteral("skipped");
        QVERIFY2(changed.isEmpty(), "files under the sentinel tree changed");
        QVERIFY2(failures == 0, qPrintable(summary));
    }

    // QDir cannot remove the cases whose names are not UTF-8: remove the tree by its bytes.
    void cleanupTestCase() {
        if (g_options.keep || !m_dir.isValid()) return;
        std::error_code ignored;
        std::filesystem::remove_all(std::filesystem::path(QFile::encodeName(m_dir.path()).toStdString()), ignored);
    }

private:
    QTemporaryDir m_dir{QDir::tempPath() + QStringLiteral("/ptl-hostile-XXXXXX")};
    std::vector<Case> m_cases;
    QString m_sentinel;
    double m_generateSeconds = 0;
};

// QTest rejects options it does not know: take -class and -case out before it sees them.
int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments();
    QStringList passed{args.value(0)};
    for (int i = 1; i < args.size(); ++i) {
        if ((args[i] == QStringLiteral("-class") || args[i] == QStringLiteral("-case")) && i + 1 < args.size()) {
            if (args[i] == QStringLiteral("-class")) g_options.classes << args[i + 1].split(QLatin1Char(','), Qt::SkipEmptyParts);
            else g_options.caseFilter = args[i + 1];
            ++i;
        } else {
            passed << args[i];
        }
    }
    if (g_options.classes.isEmpty())
        g_options.classes = qEnvironmentVariable("PTL_HOSTILE_CLASS").split(QLatin1Char(','), Qt::SkipEmptyParts);
    if (g_options.caseFilter.isEmpty()) g_options.caseFilter = qEnvironmentVariable("PTL_HOSTILE_CASE");
    if (qEnvironmentVariableIntValue("PTL_HOSTILE_JOBS") > 0) g_options.jobs = qEnvironmentVariableIntValue("PTL_HOSTILE_JOBS");
    g_options.keep = qEnvironmentVariableIntValue("PTL_HOSTILE_KEEP") != 0;
    // QTest's watchdog stops a test function after 5 minutes; the runner has its own guards.
    if (!qEnvironmentVariableIsSet("QTEST_FUNCTION_TIMEOUT")) qputenv("QTEST_FUNCTION_TIMEOUT", "3600000");
    HostileTest test;
    return QTest::qExec(&test, passed);
}

#include "tst_hostile.moc"
