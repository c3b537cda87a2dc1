// `ptl-studio-cli report` end to end: the real CLI converts, verifies and measures a fixture,
// writes the HTML atomically, and headless Chromium renders it: no console errors (a blocked
// request or a script error would show there), every section in the DOM, a screenshot that is
// not blank. Bad input gives one line and no file.
#include "support/headless_chromium.h"

#include <QCryptographicHash>
#include <QtTest>

using ptl::test::Run;
using ptl::test::runProcess;

namespace {

QString fixture(const char* name) { return QStringLiteral(PTL_FIXTURES_DIR "/") + QLatin1String(name); }

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
        if (ptl::test::chromiumExecutable().isEmpty()) QSKIP("chromium is not installed (./build.sh test installs it)");

        const Run dom = ptl::test::runChromium(html_, {"--dump-dom"});
        QCOMPARE(dom.exitCode, 0);
        const QStringList missing = ptl::test::missingSections(dom.out, ptl::test::reviewReportSections());
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(", ")));
        const QByteArrayList console = ptl::test::consoleMessages(dom);
        QVERIFY2(console.isEmpty(), console.join('\n').constData());

        const QString screenshot = directory_.filePath("review.png");
        const Run shot = ptl::test::runChromium(html_, {"--screenshot=" + screenshot, "--window-size=1280,2400", "--hide-scrollbars"});
        QCOMPARE(shot.exitCode, 0);
        const QImage image(screenshot);
        QCOMPARE(image.size(), QSize(1280, 2400));
        // Not blank: the page's text and the green verdict banner are drawn.
        const int ink = ptl::test::inkPixels(image);
        QVERIFY2(ink > 2000, qPrintable(QString::number(ink)));
        const int banner = ptl::test::pixelsOfColour(image, QColor(0x1b, 0x7f, 0x3b), 400);
        QVERIFY2(banner > 500, qPrintable(QString::number(banner)));

        // Printed to PDF as a reviewer would before the meeting: several pages, no errors.
        const QString pdf = directory_.filePath("review.pdf");
        const Run print = ptl::test::runChromium(html_, {"--print-to-pdf=" + pdf, "--no-pdf-header-footer"});
        QCOMPARE(print.exitCode, 0);
        QFile printed(pdf);
        QVERIFY(printed.open(QIODevice::ReadOnly));
        const QByteArray bytes = printed.readAll();
        QVERIFY(bytes.startsWith("%PDF-"));
        // Chromium writes one "/Type /Page" object per page (and "/Type /Pages" for the tree).
        const int pages = int(bytes.count("/Type /Page")) - int(bytes.count("/Type /Pages"));
        QVERIFY2(pages >= 3 && pages <= 12, qPrintable(QString::number(pages)));
    }
};

QTEST_GUILESS_MAIN(ReviewReportTest)
#include "tst_review_report.moc"
