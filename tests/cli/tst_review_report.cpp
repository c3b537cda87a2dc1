// `ptl-studio-cli report` end to end: the real CLI converts, verifies and measures a fixture,
// writes the HTML atomically, and headless Chromium renders it: no console errors (a blocked
// request or a script error would show there), every section in the DOM, a screenshot that is
// not blank. Bad input gives one line and no file.
#include <QCryptographicHash>
#include <QImage>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

namespace {

QString fixture(const char* name) { return QStringLiteral(PTL_FIXTURES_DIR "/") + QLatin1String(name); }

struct Run {
    int exitCode = -1;
    QByteArray out, err;
};

Run runProcess(const QString& program, const QStringList& arguments, int timeoutMs) {
    QProcess process;
    process.start(program, arguments);
    Run run;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

// Headless Chromium as a reader opens the report: no network, a fresh profile, console on stderr.
Run chromium(const QString& executable, const QStringList& extra, const QString& html, const QString& profile) {
    QStringList arguments{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"};
    arguments += extra;
    arguments << QUrl::fromLocalFile(html).toString();
    return runProcess(executable, arguments, 60000);
}

}  // namespace

class ReviewReportTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir directory_;
    QString html_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(directory_.isValid());
        html_ = directory_.filePath("review.html");
        const Run run = runProcess(QStringLiteral(PTL_CLI_PATH),
                                   {"report", fixture("clean_conv.pt"), "--quantize", "none", "--quantize", "static",
                                    "--calib", "random:2", "--iters", "3", "--warmup", "1", "--sweep=batch=1,2",
                                    "--progress", "none", "-o", html_},
                                   120000);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(run.out.contains("ships on the Lite Interpreter"));
    }

    void reportHoldsMeasuredData() {
        QFile file(html_);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString html = QString::fromUtf8(file.readAll());
        QFile model(fixture("clean_conv.pt"));
        QVERIFY(model.open(QIODevice::ReadOnly));
        QVERIFY(html.contains(QCryptographicHash::hash(model.readAll(), QCryptographicHash::Sha256).toHex()));
        QVERIFY(html.contains("Ships on the Lite Interpreter"));
        QVERIFY(html.contains("<strong>float</strong>") && html.contains("<strong>static qnnpack</strong>"));
        QVERIFY(html.contains("<svg class=\"sqnr\""));
        QVERIFY(html.contains("Latency measured on"));
        QVERIFY(html.contains("LibTorch 1.13"));
        QVERIFY(html.contains("ptl-studio-cli report"));
        QVERIFY(html.contains("LiteModuleLoader.load(assetFilePath(context, &quot;clean_conv.ptl&quot;))"));
        QVERIFY(html.contains("torch::jit::_load_for_mobile"));
        QVERIFY(html.contains("Forward at 2 input shapes (batch=1,2): 0 failed"));
        QVERIFY(html.contains("<code>2x3x16x16:float32</code>"));
        QVERIFY(!QDir(directory_.path()).entryList(QDir::Hidden | QDir::Files).join(' ').contains(".tmp-"));
    }

    // The torch.export section: a clean model says what was checked; a model with value-dependent
    // control flow lists each construct with its Python line, finding and what to write instead.
    void exportReadinessSection() {
        QFile file(html_);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString clean = QString::fromUtf8(file.readAll());
        QVERIFY(clean.contains("<section id=\"export-readiness\">"));
        QVERIFY(clean.contains("Nothing in forward blocks torch.export."));
        QVERIFY(clean.contains("control flow: 0 branches and 0 loops"));
        QVERIFY(clean.contains("program = export(model, example)"));

        const QString output = directory_.filePath("value_branch.html");
        const Run run = runProcess(QStringLiteral(PTL_CLI_PATH),
                                   {"report", fixture("value_branch.pt"), "--no-bench", "--progress", "none", "-o", output},
                                   120000);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QFile branched(output);
        QVERIFY(branched.open(QIODevice::ReadOnly));
        const QString html = QString::fromUtf8(branched.readAll());
        const QString section = html.section("<section id=\"export-readiness\">", 1).section("</section>", 0, 0);
        QVERIFY(section.contains("2 constructs block torch.export"));
        QVERIFY(section.contains("<strong>Data-dependent branch</strong>"));
        QVERIFY(section.contains("<code>make_fixtures.py:85</code>"));
        QVERIFY(section.contains("<code>make_fixtures.py:89</code>"));
        QVERIFY(section.contains("<code>control-flow.value-dependent</code>"));
        QVERIFY(section.contains("torch.cond(pred, true_fn, false_fn"));
    }

    void badInputLeavesNoFile() {
        const QString output = directory_.filePath("bad.html");
        const Run run = runProcess(QStringLiteral(PTL_CLI_PATH),
                                   {"report", fixture("no_such_model.pt"), "--progress", "none", "-o", output}, 60000);
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("no_such_model.pt"));
        QCOMPARE(run.err.count('\n'), 1);
        QVERIFY(!QFile::exists(output));

        const Run nowhere = runProcess(QStringLiteral(PTL_CLI_PATH),
                                       {"report", fixture("clean_conv.pt"), "--progress", "none", "-o",
                                        directory_.filePath("missing/review.html")}, 60000);
        QCOMPARE(nowhere.exitCode, 2);
        QVERIFY(nowhere.err.contains("folder does not exist"));
    }

    void rendersInChromium() {
        const QString executable = QStandardPaths::findExecutable(QStringLiteral("chromium"));
        if (executable.isEmpty()) QSKIP("chromium is not installed (./build.sh test installs it)");
        QTemporaryDir profile;

        const Run dom = chromium(executable, {"--dump-dom"}, html_, profile.path());
        QCOMPARE(dom.exitCode, 0);
        for (const char* section : {"verdict", "summary", "findings", "export-readiness", "sweep", "variants", "integration",
                                    "reproducibility"})
            QVERIFY2(dom.out.contains(QByteArray("<section id=\"") + section + "\">"), section);
        // Console messages (script errors, refused requests) are logged as INFO:CONSOLE lines.
        for (const QByteArray& line : dom.err.split('\n'))
            QVERIFY2(!line.contains(":CONSOLE"), line.constData());

        const QString screenshot = directory_.filePath("review.png");
        const Run shot = chromium(executable, {"--screenshot=" + screenshot, "--window-size=1280,2400", "--hide-scrollbars"},
                                  html_, profile.path());
        QCOMPARE(shot.exitCode, 0);
        const QImage image(screenshot);
        QCOMPARE(image.size(), QSize(1280, 2400));
        // Not blank: the page's text and the green verdict banner are drawn.
        int ink = 0, banner = 0;
        for (int y = 0; y < image.height(); y += 4)
            for (int x = 0; x < image.width(); x += 4) {
                const QColor colour = image.pixelColor(x, y);
                if (colour.lightness() < 200) ++ink;
                if (y < 400 && qAbs(colour.red() - 0x1b) < 8 && qAbs(colour.green() - 0x7f) < 8 && qAbs(colour.blue() - 0x3b) < 8)
                    ++banner;
            }
        QVERIFY2(ink > 2000, qPrintable(QString::number(ink)));
        QVERIFY2(banner > 500, qPrintable(QString::number(banner)));
    }
};

QTEST_GUILESS_MAIN(ReviewReportTest)
#include "tst_review_report.moc"
