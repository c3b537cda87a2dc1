// Bad input is a table: every broken, hostile or foreign file gets its exact one-line problem,
// never a crash, a hang or a large allocation.
#include "ptl/errors.h"
#include "ptl/inspect.h"

#include <QtTest>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

class BadInputTest : public QObject {
    Q_OBJECT

private:
    static QString fixture(const QString& name) { return QStringLiteral(PTL_FIXTURES_DIR "/") + name; }

    static QString problemOf(const QString& path) {
        try {
            ptl::inspectModel(path.toStdString());
        } catch (const ptl::ModelError& error) {
            return QString::fromStdString(error.problem());
        }
        return QStringLiteral("<loaded without error>");
    }

private Q_SLOTS:
    void rejectsWithExactMessage_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("problem");
        QTest::newRow("empty") << "bad/empty.pt" << "the file is empty";
        QTest::newRow("random bytes") << "bad/random.pt"
                                      << "not a PyTorch model: unrecognized content (starts with CD 07 2C D8)";
        QTest::newRow("truncated archive")
            << "bad/truncated.pt" << "the zip archive has no central directory: the file is truncated or damaged";
        QTest::newRow("renamed image") << "bad/image.pt" << "not a PyTorch model: the content is a PNG image";
        QTest::newRow("text") << "bad/text.ptl" << "not a PyTorch model: the content is text";
        QTest::newRow("missing entry") << "bad/missing_data.pt"
                                       << "the archive has no 'data.pkl' record: it is incomplete";
        QTest::newRow("corrupt pickle") << "bad/corrupt_pickle.pt"
                                        << "record 'data.pkl': the pickle is damaged (unknown opcode 245 at byte 0)";
        QTest::newRow("pickle global")
            << "bad/pickle_global.pt"
            << "record 'data.pkl' references the Python global 'os.system', which TorchScript never writes: "
               "refusing to load it";
        QTest::newRow("zip bomb") << "bad/zip_bomb.pt"
                                  << "entry 'clean_conv/data.pkl' would expand 99.5 KiB to 100.0 MiB: refusing a "
                                     "likely zip bomb";
        QTest::newRow("oversized entry")
            << "bad/oversized_entry.pt" << "entry 'clean_conv/data.pkl' declares 8.0 GiB but stores 6 B: the archive is damaged";
        QTest::newRow("plain zip") << "bad/plain_zip.pt"
                                   << "a zip archive, but not a PyTorch model (no data.pkl, bytecode.pkl or version record)";
        QTest::newRow("weights-only checkpoint")
            << "bad/state_dict.pt"
            << "a torch.save() checkpoint (weights only), not a TorchScript model: export it with torch.jit.script "
               "or torch.jit.trace";
        QTest::newRow("broken code") << "bad/broken_code.pt"
                                     << "LibTorch cannot load it: expected ident but found 'return' at code/__torch__.py line 2: return ((";
        QTest::newRow("directory") << "bad" << "is a directory, not a model file";
        QTest::newRow("missing path") << "bad/does-not-exist.pt" << "no such file";
    }

    void rejectsWithExactMessage() {
        QFETCH(QString, file);
        QFETCH(QString, problem);
        QCOMPARE(problemOf(fixture(file)), problem);
    }

    // Hostile archives are refused before anything is inflated or allocated: under a 1 GiB
    // address-space limit the 8 GiB entry and the zip bomb still fail cleanly.
    void hostileArchivesStayWithinMemory() {
#if defined(__SANITIZE_ADDRESS__)
        QSKIP("ASan's shadow memory cannot live under an address-space limit");
#endif
        const pid_t child = fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            rlimit limit{1ull << 30, 1ull << 30};
            setrlimit(RLIMIT_AS, &limit);
            const bool clean = problemOf(fixture("bad/oversized_entry.pt")).contains("8.0 GiB") &&
                               problemOf(fixture("bad/zip_bomb.pt")).contains("zip bomb");
            _exit(clean ? 0 : 1);
        }
        int status = 0;
        waitpid(child, &status, 0);
        QVERIFY(WIFEXITED(status));
        QCOMPARE(WEXITSTATUS(status), 0);
    }

    // Root reads anything, so the permission case runs as an unprivileged user in a child.
    void unreadableFile() {
        const QString path = QDir::temp().filePath(QStringLiteral("ptl-noperm-%1.pt").arg(getpid()));
        QFile::remove(path);
        QVERIFY(QFile::copy(fixture("clean_conv.pt"), path));
        QVERIFY(QFile::setPermissions(path, QFileDevice::Permissions()));
        int pipeFds[2];
        QVERIFY(pipe(pipeFds) == 0);
        const pid_t child = fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            if (geteuid() == 0 && setuid(65534) != 0) _exit(2);
            const QByteArray problem = problemOf(path).toUtf8();
            (void)!write(pipeFds[1], problem.constData(), problem.size());
            _exit(0);
        }
        close(pipeFds[1]);
        char buffer[512] = {};
        const ssize_t size = read(pipeFds[0], buffer, sizeof buffer - 1);
        close(pipeFds[0]);
        int status = 0;
        waitpid(child, &status, 0);
        QFile::remove(path);
        QCOMPARE(WEXITSTATUS(status), 0);
        QCOMPARE(QString::fromUtf8(buffer, int(size)), QStringLiteral("cannot be read: Permission denied"));
    }
};

QTEST_GUILESS_MAIN(BadInputTest)
#include "tst_bad_input.moc"
