// The Debian package as a user gets it: built by CPack (the package_build fixture), unpacked into a
// throw-away root, its programs run from there, its metadata checked by Debian's own validators.
#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Run {
    int exitCode = -1;
    bool crashed = false;
    QString out;
    QString err;
};

Run run(const QString& program, const QStringList& arguments, const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment(),
        int timeoutMs = 300000) {
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(program, arguments);
    Run result;
    if (!process.waitForStarted(10000)) {
        result.err = program + QStringLiteral(" did not start: ") + process.errorString();
        return result;
    }
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        result.err = program + QStringLiteral(" timed out");
        return result;
    }
    result.crashed = process.exitStatus() != QProcess::NormalExit;
    result.exitCode = process.exitCode();
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

const QString kVersion = QStringLiteral(PTL_VERSION);
const QString kFixtures = QStringLiteral(PTL_FIXTURES_DIR);

}  // namespace

class PackageTest : public QObject {
    Q_OBJECT

    QTemporaryDir root_;
    QTemporaryDir home_;
    QString deb_;

    QString installed(const QString& path) const { return root_.filePath(path); }

    // The installed programs run with an empty home, so no settings or recent files leak in.
    QProcessEnvironment userEnvironment() const {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.remove(QStringLiteral("PTL_STUDIO_WORKER"));
        environment.insert(QStringLiteral("HOME"), home_.path());
        environment.insert(QStringLiteral("XDG_CONFIG_HOME"), home_.filePath(QStringLiteral(".config")));
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        return environment;
    }

private Q_SLOTS:
    void initTestCase() {
        deb_ = QStringLiteral(PTL_PACKAGE_DIR "/ptl-studio_%1_amd64.deb").arg(kVersion);
        QVERIFY2(QFile::exists(deb_), qPrintable(deb_ + QStringLiteral(" is missing: the package_build test makes it")));
        const Run unpack = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-x"), deb_, root_.path()});
        QVERIFY2(unpack.exitCode == 0, qPrintable(unpack.err));
    }

    void containsWhatADesktopNeeds() {
        const QStringList files = {
            QStringLiteral("usr/bin/ptl-studio"),
            QStringLiteral("usr/bin/ptl-studio-cli"),
            QStringLiteral("usr/share/applications/ptl-studio.desktop"),
            QStringLiteral("usr/share/metainfo/ptl-studio.metainfo.xml"),
            QStringLiteral("usr/share/mime/packages/ptl-studio-mime.xml"),
            QStringLiteral("usr/share/icons/hicolor/scalable/apps/ptl-studio.svg"),
            QStringLiteral("usr/share/man/man1/ptl-studio.1.gz"),
            QStringLiteral("usr/share/man/man1/ptl-studio-cli.1.gz"),
            QStringLiteral("usr/share/doc/ptl-studio/copyright"),
            QStringLiteral("usr/share/doc/ptl-studio/changelog.gz"),
        };
        for (const QString& file : files) QVERIFY2(QFile::exists(installed(file)), qPrintable(file));
        for (int size : {16, 22, 24, 32, 48, 64, 128, 256}) {
            const QString icon = QStringLiteral("usr/share/icons/hicolor/%1x%1/apps/ptl-studio.png").arg(size);
            const QImage image(installed(icon));
            QVERIFY2(!image.isNull(), qPrintable(icon));
            QCOMPARE(image.size(), QSize(size, size));
        }
    }

    void dependsOnTheSharedLibrariesItLinks() {
        const Run fields = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-f"), deb_, QStringLiteral("Depends"), QStringLiteral("Recommends")});
        QCOMPARE(fields.exitCode, 0);
        for (const QString& package : {QStringLiteral("libtorch1.13"), QStringLiteral("libqt6widgets6"), QStringLiteral("libqcustomplot2.1-qt6"),
                                       QStringLiteral("libgvc6"), QStringLiteral("libopenblas0-openmp")}) {
            QVERIFY2(fields.out.contains(package), qPrintable(package + QStringLiteral(" not in: ") + fields.out));
        }
    }

    void installedCliInspectsAFixture() {
        const Run version = run(installed(QStringLiteral("usr/bin/ptl-studio-cli")), {QStringLiteral("--version")}, userEnvironment());
        QCOMPARE(version.out.trimmed(), QStringLiteral("ptl-studio ") + kVersion);
        const Run inspect = run(installed(QStringLiteral("usr/bin/ptl-studio-cli")),
                                {QStringLiteral("inspect"), kFixtures + QStringLiteral("/digits_cnn.pt"), QStringLiteral("--json")}, userEnvironment());
        QVERIFY2(inspect.exitCode == 0 && !inspect.crashed, qPrintable(inspect.err));
        const QJsonObject report = QJsonDocument::fromJson(inspect.out.toUtf8()).object();
        QCOMPARE(report.value(QStringLiteral("format")).toString(), QStringLiteral("torchscript"));
        QVERIFY(!report.value(QStringLiteral("methods")).toArray().isEmpty());
    }

    // The installed window finds the installed worker beside it, analyses the model and draws it.
    void installedGuiOpensAModel() {
        const QString shot = home_.filePath(QStringLiteral("shot.png"));
        const Run gui = run(installed(QStringLiteral("usr/bin/ptl-studio")),
                            {kFixtures + QStringLiteral("/digits_cnn.pt"), QStringLiteral("--screenshot"), shot}, userEnvironment());
        QVERIFY2(gui.exitCode == 0 && !gui.crashed, qPrintable(gui.err));
        const QImage image(shot);
        QVERIFY(!image.isNull());
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7) colours.insert(image.pixel(x, y));
        QVERIFY2(colours.size() > 20, "the screenshot is nearly blank");
    }

    void desktopEntryValidates() {
        const Run check = run(QStringLiteral("desktop-file-validate"), {installed(QStringLiteral("usr/share/applications/ptl-studio.desktop"))});
        QVERIFY2(check.exitCode == 0 && check.out.trimmed().isEmpty(), qPrintable(check.out + check.err));
    }

    void metainfoValidates() {
        const Run check = run(QStringLiteral("appstreamcli"),
                              {QStringLiteral("validate"), QStringLiteral("--no-net"), QStringLiteral("--pedantic"),
                               installed(QStringLiteral("usr/share/metainfo/ptl-studio.metainfo.xml"))});
        QVERIFY2(check.exitCode == 0, qPrintable(check.out + check.err));
    }

    // Clean at warning level; the tags overridden are explained in packaging/lintian-overrides.
    void lintianIsClean() {
        const Run check = run(QStringLiteral("lintian"), {QStringLiteral("--fail-on"), QStringLiteral("error,warning"), deb_});
        qInfo().noquote() << check.out;
        QVERIFY2(check.exitCode == 0, qPrintable(check.out + check.err));
    }

    // A model opens in PTL Studio by its content, whatever its name: double-click on a file saved
    // without an extension still reaches the application. gio asks the shared MIME database as a
    // file manager does.
    void mimeTypesRecognisedByContent() {
        const QString mime = installed(QStringLiteral("usr/share/mime"));
        const Run update = run(QStringLiteral("update-mime-database"), {mime});
        QVERIFY2(update.exitCode == 0, qPrintable(update.err));
        QProcessEnvironment environment = userEnvironment();
        environment.insert(QStringLiteral("XDG_DATA_DIRS"), installed(QStringLiteral("usr/share")) + QStringLiteral(":/usr/share"));

        const struct {
            const char* fixture;
            const char* type;
        } cases[] = {
            {"digits_cnn.pt", "application/x-pytorch-torchscript"},
            {"clean_conv.ptl", "application/x-pytorch-torchscript"},  // the zip form of a Lite model
            {"clean_conv_flatbuffer.ptl", "application/x-pytorch-lite"},
        };
        for (const auto& item : cases) {
            const QString renamed = home_.filePath(QStringLiteral("without-extension-") + QString::fromLatin1(item.fixture).section(QLatin1Char('.'), 0, 0));
            QFile::remove(renamed);
            QVERIFY(QFile::copy(kFixtures + QLatin1Char('/') + QLatin1String(item.fixture), renamed));
            const Run info = run(QStringLiteral("gio"), {QStringLiteral("info"), QStringLiteral("-a"), QStringLiteral("standard::content-type"), renamed}, environment);
            QVERIFY2(info.out.contains(QStringLiteral("standard::content-type: ") + QLatin1String(item.type)), qPrintable(item.fixture + QStringLiteral(": ") + info.out + info.err));
        }

        QFile desktop(installed(QStringLiteral("usr/share/applications/ptl-studio.desktop")));
        QVERIFY(desktop.open(QIODevice::ReadOnly));
        const QString entry = QString::fromUtf8(desktop.readAll());
        QVERIFY(entry.contains(QStringLiteral("MimeType=application/x-pytorch-torchscript;application/x-pytorch-lite;")));
        QVERIFY(entry.contains(QStringLiteral("Exec=ptl-studio %f")));
    }
};

QTEST_GUILESS_MAIN(PackageTest)
#include "tst_package.moc"
