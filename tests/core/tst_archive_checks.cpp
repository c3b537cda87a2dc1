// Damaged and hostile archives, made from a real fixture by make_damaged_archives.py, are refused
// before LibTorch reads them: each class with its exact one-line message, through the CLI, so a
// crash or a hang would fail the test instead of ending it.
#include "ptl/errors.h"
#include "ptl/model_file.h"

#include <QtTest>

class ArchiveChecksTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;

    QString damaged(const QString& name) const { return dir_.filePath(name); }

    struct Outcome {
        int exitCode = -1;
        QString stderrText;
    };

    static Outcome inspect(const QString& path) {
        QProcess process;
        process.start(QStringLiteral(PTL_CLI_PATH), {QStringLiteral("inspect"), path});
        if (!process.waitForFinished(60000)) {
            process.kill();
            process.waitForFinished();
            return {-2, QStringLiteral("<hang>")};
        }
        if (process.exitStatus() != QProcess::NormalExit) return {-1, QStringLiteral("<crash>")};
        return {process.exitCode(), QString::fromUtf8(process.readAllStandardError())};
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QProcess generator;
        generator.start(QStringLiteral("/usr/bin/python3"),
                        {QStringLiteral(PTL_SOURCE_DIR "/tests/core/make_damaged_archives.py"),
                         QStringLiteral(PTL_FIXTURES_DIR "/clean_conv.pt"), dir_.path()});
        QVERIFY(generator.waitForFinished(120000));
        QVERIFY2(generator.exitCode() == 0, generator.readAllStandardError().constData());
    }

    void refusedBeforeLibTorch_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("problem");
        const QString damagedPickle = QStringLiteral("record 'data.pkl': the pickle is damaged (%1)");
        // The stack machine.
        QTest::newRow("stack underflow") << "stack_underflow.pt" << damagedPickle.arg("REDUCE on a stack of 0 at byte 2");
        QTest::newRow("mark underflow") << "mark_underflow.pt" << damagedPickle.arg("TUPLE without MARK at byte 2");
        QTest::newRow("undefined memo") << "memo_undefined.pt" << damagedPickle.arg("memo slot 5 is undefined at byte 2");
        QTest::newRow("memo out of range")
            << "memo_out_of_range.pt" << damagedPickle.arg("memo slot 4294967295 out of range at byte 3");
        QTest::newRow("length past end") << "length_past_end.pt" << damagedPickle.arg("string runs past the end at byte 2");
        QTest::newRow("two values at STOP")
            << "two_values_at_stop.pt" << damagedPickle.arg("STOP with 2 values on the stack at byte 4");
        QTest::newRow("1M-deep tuples")
            << "deep_tuples.pt"
            << "record 'data.pkl': the pickle nests values more than 2000 deep (at byte 2002), which LibTorch cannot read";
        QTest::newRow("1M-deep lists")
            << "deep_lists.pt"
            << "record 'data.pkl': the pickle nests values more than 2000 deep (at byte 1002002), which LibTorch cannot "
               "read";
        QTest::newRow("debug pickle")
            << "debug_pkl.pt"
            << "record 'code/__torch__.py.debug_pkl': the pickle is damaged (REDUCE on a stack of 0 at byte 2)";
        QTest::newRow("debug text index")
            << "debug_text_index.pt"
            << "record 'code/__torch__.py.debug_pkl' has a source text index outside the string table of 3 (record 0)";
        QTest::newRow("debug range past text")
            << "debug_range_past_text.pt"
            << "record 'code/__torch__.py.debug_pkl' has a source range 4..400 outside its 19-character source (record 0)";
        // The zip container.
        QTest::newRow("duplicate entry")
            << "duplicate_entry.pt"
            << "entry 'clean_conv/data.pkl' appears twice in the zip archive: refusing an ambiguous archive";
        QTest::newRow("overlapping entries")
            << "overlapping_entries.pt"
            << "entries 'clean_conv/data/0' and 'clean_conv/data/1' overlap in the file: refusing a likely zip bomb";
        QTest::newRow("bomb spread over entries")
            << "spread_bomb.pt" << "the zip archive would expand 1.0 MiB to 150.1 MiB: refusing a likely zip bomb";
        QTest::newRow("CRC") << "bad_crc.pt" << "entry 'clean_conv/data/0' fails its CRC-32 check: the archive is damaged";
        // Tensor records against their storages.
        QTest::newRow("storage cut to 4 bytes")
            << "storage_cut.pt"
            << "record 'data.pkl': storage 'data/0' holds 4 B, but 216 float32 elements (864 B) are declared for it";
        QTest::newRow("storage missing")
            << "storage_missing.pt" << "record 'data.pkl': storage 'data/0' is missing from the archive";
        QTest::newRow("double view on float storage")
            << "double_on_float.pt"
            << "record 'data.pkl': storage 'data/0' holds 864 B, but 216 float64 elements (1.7 KiB) are declared for it";
        QTest::newRow("negative stride")
            << "negative_stride.pt" << "record 'data.pkl': tensor #0 (storage 'data/0') has a negative stride";
        QTest::newRow("view past the end")
            << "view_past_end.pt"
            << "record 'data.pkl': tensor #0 (storage 'data/0') reaches past the end of its 216 float32 elements: its "
               "view lies outside the storage";
        // Sources.
        QTest::newRow("100k-deep brackets")
            << "deep_brackets.pt"
            << "source 'code/__torch__.py' nests brackets 100000 deep, over the 256 LibTorch's compiler can read safely";
        QTest::newRow("50k prefix operators")
            << "prefix_operators.pt"
            << "source 'code/__torch__.py' chains 50000 operators in a row, over the 256 LibTorch's compiler can read "
               "safely";
        QTest::newRow("17 MiB source")
            << "huge_source.pt" << "source 'code/__torch__.py' is 17.0 MiB, over the 16.0 MiB LibTorch's compiler can read safely";
        // A weights-only zip that calls os.system is refused for the call, not described as a checkpoint.
        QTest::newRow("callable in a checkpoint")
            << "callable_checkpoint.pt"
            << "record 'data.pkl' references the Python global 'os.system', which TorchScript never writes: refusing to "
               "load it";
    }

    void refusedBeforeLibTorch() {
        QFETCH(QString, file);
        QFETCH(QString, problem);
        const Outcome outcome = inspect(damaged(file));
        QCOMPARE(outcome.stderrText, QStringLiteral("ptl-studio-cli: error: %1: %2\n").arg(damaged(file), problem));
        QCOMPARE(outcome.exitCode, 2);
    }

    // A long chain of binary operators does not nest in LibTorch's parser (load_limits.py): not refused.
    void operatorChainIsAccepted() {
        const ptl::ModelFile file = ptl::openModelFile(damaged("operator_chain.pt").toStdString());
        QCOMPARE(file.format, std::string("torchscript"));
    }

    // A pickle that passes the checks but that LibTorch refuses: its message is one line,
    // without the C++ backtrace LibTorch attaches.
    void libTorchMessagesAreOneLine() {
        const Outcome outcome = inspect(damaged("not_an_object.pt"));
        QCOMPARE(outcome.exitCode, 2);
        QVERIFY2(outcome.stderrText.startsWith(
                     QStringLiteral("ptl-studio-cli: error: %1: LibTorch cannot load it: ").arg(damaged("not_an_object.pt"))),
                 qPrintable(outcome.stderrText));
        QCOMPARE(outcome.stderrText.count(QLatin1Char('\n')), 1);
        QVERIFY(!outcome.stderrText.contains(QStringLiteral("Exception raised from")));
    }

    void messagesAreOneLineUtf8() {
        QCOMPARE(ptl::oneLine("\nexpected ident\nException raised from parse at x.cpp:1\nframe #0: f()"),
                 std::string("expected ident"));
        QCOMPARE(ptl::oneLine("bad name \xff\xfe.pt"), std::string("bad name \\xFF\\xFE.pt"));
        QCOMPARE(ptl::oneLine("caf\xc3\xa9"), std::string("caf\xc3\xa9"));
        QCOMPARE(ptl::oneLine("cut \xe2\x82"), std::string("cut \\xE2\\x82"));
    }

    // Every valid fixture passes the checks, with its storages, CRCs and pickles intact
    // (digits_calibration.pt is a torch.save() checkpoint of calibration data, not a model).
    void validFixturesPass() {
        const QDir fixtures(QStringLiteral(PTL_FIXTURES_DIR));
        const QStringList models = fixtures.entryList({QStringLiteral("*.pt"), QStringLiteral("*.ptl")}, QDir::Files);
        QVERIFY(models.size() >= 10);
        for (const QString& model : models) {
            if (model == QStringLiteral("digits_calibration.pt")) continue;
            try {
                ptl::openModelFile(fixtures.filePath(model).toStdString());
            } catch (const ptl::ModelError& error) {
                QFAIL(error.what());
            }
        }
    }
};

QTEST_GUILESS_MAIN(ArchiveChecksTest)
#include "tst_archive_checks.moc"
