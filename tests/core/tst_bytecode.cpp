// Lite bytecode: damaged flatbuffers and out-of-range operands are refused before LibTorch reads
// or runs them (one line naming the file, exit 2), and the graph, modules and weights of .ptl
// files come from their bytecode. Damaged files are made here from the .ptl fixtures.
#include "ptl/errors.h"
#include "ptl/inspect.h"
#include "ptl/model_file.h"

#include <torch/csrc/jit/serialization/mobile_bytecode_generated.h>
#include <zlib.h>

#include <QtTest>

#include <functional>
#include <map>

namespace fb = torch::jit::mobile::serialization;

namespace {

QString fixture(const QString& name) { return QStringLiteral(PTL_FIXTURES_DIR "/") + name; }

QByteArray readFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) qFatal("cannot read %s", qPrintable(path));
    return file.readAll();
}

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& bytes) {
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size()) qFatal("cannot write %s", qPrintable(path));
    return path;
}

// "" when the model inspects, else the ModelError's one line; anything else fails the test.
QString inspectProblem(const QString& path) {
    try {
        ptl::inspectModel(path.toStdString());
        return {};
    } catch (const ptl::ModelError& error) {
        return QString::fromStdString(error.what());
    }
}

struct Run {
    int exitCode = -1;
    bool crashed = true;
    QString err;
};

Run cli(const QStringList& arguments) {
    QProcess process;
    process.start(QStringLiteral(PTL_CLI_PATH), arguments);
    if (!process.waitForFinished(120000)) process.kill();
    return {process.exitCode(), process.exitStatus() != QProcess::NormalExit,
            QString::fromUtf8(process.readAllStandardError()).trimmed()};
}

// The forward function's table in a flatbuffer model (mutable: the tests damage it in place).
fb::Function* forwardOf(QByteArray& bytes) {
    const fb::Module* module = fb::GetModule(bytes.data());
    for (const fb::IValue* value : *module->ivalues())
        if (const fb::Function* function = value->val_as_Function())
            if (function->qn()->string_view().find(".forward") != std::string_view::npos)
                return const_cast<fb::Function*>(function);
    qFatal("the flatbuffer fixture has no forward function");
}

fb::Instruction* instruction(fb::Function* function, const char* opName, int occurrence = 0) {
    static const std::map<std::string, int> opcodes{{"OP", 0}, {"LOAD", 2}, {"MOVE", 3}, {"STOREN", 4}, {"STORE", 5},
                                                    {"DROPR", 7}, {"LOADC", 8}, {"JMP", 10}, {"RET", 12}};
    for (const fb::Instruction* in : *function->instructions())
        if (in->op() == opcodes.at(opName) && occurrence-- == 0) return const_cast<fb::Instruction*>(in);
    qFatal("no %s instruction", opName);
}

// A torch.save zip stores its entries uncompressed: replaces bytes inside one entry and mends its
// CRC wherever the archive keeps it (central directory, local header, data descriptor).
QByteArray patchStoredEntry(QByteArray zip, const QByteArray& entrySuffix, const std::function<void(QByteArray&)>& patch) {
    auto u16 = [&](qsizetype at) { return qFromLittleEndian<quint16>(zip.constData() + at); };
    auto u32 = [&](qsizetype at) { return qFromLittleEndian<quint32>(zip.constData() + at); };
    for (qsizetype central = zip.indexOf("PK\x01\x02"); central >= 0; central = zip.indexOf("PK\x01\x02", central + 4)) {
        if (!zip.mid(central + 46, u16(central + 28)).endsWith(entrySuffix)) continue;
        const quint32 size = u32(central + 20);
        const qsizetype local = u32(central + 42);
        const qsizetype data = local + 30 + u16(local + 26) + u16(local + 28);
        QByteArray content = zip.mid(data, size);
        patch(content);
        if (content.size() != qsizetype(size)) qFatal("the patch changed the entry's size");
        zip.replace(data, size, content);
        const quint32 crc = crc32(0, reinterpret_cast<const Bytef*>(content.constData()), size);
        qToLittleEndian<quint32>(crc, zip.data() + central + 16);
        qToLittleEndian<quint32>(crc, zip.data() + local + 14);
        if (u16(local + 6) & 0x8) {  // a data descriptor follows the data, with or without its signature
            const qsizetype descriptor = data + size;
            qToLittleEndian<quint32>(crc, zip.data() + descriptor + (zip.mid(descriptor, 4) == "PK\x07\x08" ? 4 : 0));
        }
        return zip;
    }
    qFatal("no entry %s", entrySuffix.constData());
}

// In a bytecode pickle, instructions are tuples ('LOADC', X, N): sets X (a BININT1) of the
// occurrence-th instruction named `op`, or renames the op to another of the same length.
void setOperand(QByteArray& pickle, const QByteArray& op, int x, int occurrence = 0) {
    qsizetype at = -1;
    for (int i = 0; i <= occurrence; ++i) at = pickle.indexOf(QByteArray("\0\0\0", 3) + op, at + 1);
    at = pickle.indexOf('K', at + 3 + op.size());
    pickle[at + 1] = static_cast<char>(x);
}

void renameOp(QByteArray& pickle, const QByteArray& from, const QByteArray& to) {
    const qsizetype at = pickle.indexOf(QByteArray("\0\0\0", 3) + from);
    pickle.replace(at + 3, from.size(), to);
}

}  // namespace

class BytecodeTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void damagedFlatbuffersAreRefusedInProcess() {
        const QByteArray original = readFile(fixture("clean_conv_flatbuffer.ptl"));
        QTemporaryDir dir;
        std::vector<QByteArray> variants;
        for (qsizetype length : {qsizetype(8), qsizetype(9), qsizetype(12), qsizetype(16), qsizetype(24)})
            variants.push_back(original.left(length));
        for (int i = 1; i < 100; ++i) variants.push_back(original.left(original.size() * i / 100));
        for (quint32 root : {0x7fffffffu, 0xffffffffu, quint32(original.size()), 4u, 0u}) {
            QByteArray bytes = original;
            qToLittleEndian<quint32>(root, bytes.data());
            variants.push_back(bytes);
        }
        QRandomGenerator random(12);
        for (int i = 0; i < 400; ++i) {
            QByteArray bytes = original;
            const int flips = 1 + random.bounded(4);
            for (int f = 0; f < flips; ++f) {
                const qsizetype at = 8 + random.bounded(original.size() - 8);
                bytes[at] = static_cast<char>(random.bounded(256));
            }
            variants.push_back(bytes);
        }
        const size_t truncatedOrRerooted = variants.size() - 400;
        int refused = 0, inspected = 0, byVerifier = 0;
        for (size_t i = 0; i < variants.size(); ++i) {
            const QString path = writeFile(dir, QStringLiteral("v%1.ptl").arg(i), variants[i]);
            const QString problem = inspectProblem(path);
            if (problem.isEmpty()) {
                QVERIFY2(i >= truncatedOrRerooted, qPrintable(QStringLiteral("variant %1 was accepted").arg(i)));
                ++inspected;
                continue;
            }
            ++refused;
            if (problem.contains("flatbuffers verifier")) ++byVerifier;
            QVERIFY2(problem.startsWith(path + ": ") && !problem.contains('\n'), qPrintable(problem));
        }
        qInfo("%zu damaged flatbuffers: %d refused (%d by the verifier), %d inspected without harm", variants.size(),
              refused, byVerifier, inspected);
    }

    void damagedFlatbuffersViaCli() {
        const QByteArray original = readFile(fixture("clean_conv_flatbuffer.ptl"));
        QTemporaryDir dir;
        QByteArray root = original;
        qToLittleEndian<quint32>(0x7fffffffu, root.data());
        QByteArray badConstant = original;
        instruction(forwardOf(badConstant), "LOADC")->mutate_x(99);
        const std::vector<std::pair<QString, QByteArray>> cases{
            {"cut8.ptl", original.left(8)}, {"half.ptl", original.left(original.size() / 2)},
            {"root.ptl", root}, {"constant.ptl", badConstant}};
        for (const auto& [name, bytes] : cases) {
            const QString path = writeFile(dir, name, bytes);
            for (const char* command : {"inspect", "bench"}) {
                const Run run = cli({QString::fromLatin1(command), path, QStringLiteral("--input"), QStringLiteral("1x3x16x16")});
                QVERIFY2(!run.crashed, qPrintable(name + " " + command));
                QCOMPARE(run.exitCode, 2);
                QVERIFY2(run.err.contains(path + ": ") && !run.err.contains('\n'), qPrintable(run.err));
            }
        }
    }

    // The Lite Interpreter does not check forward's arguments: bench does, for bytecode-only files.
    void benchChecksLiteArguments() {
        const Run run = cli({QStringLiteral("bench"), fixture("clean_conv_flatbuffer.ptl"), QStringLiteral("--input"),
                             QStringLiteral("1x3x16x16"), QStringLiteral("--input"), QStringLiteral("1x3x16x16")});
        QVERIFY(!run.crashed);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.endsWith("forward takes 1 argument(s), 2 given with --input"), qPrintable(run.err));
    }

    void brokenFlatbufferOperandsAreRefused_data() {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("problem");
        QTest::newRow("operator") << "op" << "(OP 99 0) refers to operator 99 of";
        QTest::newRow("constant") << "loadc" << "(LOADC 99 0) refers to constant 99 of";
        QTest::newRow("operator") << "op" << "(OP 99 0) refers to operator 99 of";
        QTest::newRow("register 0") << "move0" << "(MOVE 0 0) refers to register 0 of";
        QTest::newRow("register past the end") << "move50" << "(MOVE 50 0) refers to register 50 of";
        QTest::newRow("registers shrunk") << "registers" << "refers to register 2 of 1";
        QTest::newRow("endless jump") << "jmp0" << "(JMP 0 0) jumps to itself";
        QTest::newRow("jump outside") << "jmp100" << "jumps to instruction";
        QTest::newRow("no return") << "noret" << "does not return";
        QTest::newRow("unknown opcode") << "opcode" << "(opcode 120 1 0) is not an instruction the Lite Interpreter runs";
        QTest::newRow("stack runs dry") << "underflow" << "(STORE 1 0) needs 1 stack values but finds 0";
        QTest::newRow("endless loop") << "loop" << "no path through its instructions reaches a return";
    }

    void brokenFlatbufferOperandsAreRefused() {
        QFETCH(QString, damage);
        QFETCH(QString, problem);
        QByteArray bytes = readFile(fixture("clean_conv_flatbuffer.ptl"));
        fb::Function* forward = forwardOf(bytes);
        if (damage == "loadc") instruction(forward, "LOADC")->mutate_x(99);
        if (damage == "op") instruction(forward, "OP")->mutate_x(99);
        if (damage == "move0") instruction(forward, "MOVE")->mutate_x(0);
        if (damage == "move50") instruction(forward, "MOVE")->mutate_x(50);
        if (damage == "registers") forward->mutate_register_size(1);
        if (damage == "jmp0") instruction(forward, "RET")->mutate_op(10);
        if (damage == "jmp100") {
            instruction(forward, "RET")->mutate_op(10);
            instruction(forward, "JMP")->mutate_x(100);
        }
        if (damage == "loop") {  // RET becomes a jump back to instruction 3 (LOADC), reached with the same stack
            const int ret = static_cast<int>(forward->instructions()->size()) - 1;
            QCOMPARE(int(forward->instructions()->Get(ret)->op()), 12);
            QCOMPARE(int(forward->instructions()->Get(3)->op()), 8);
            instruction(forward, "RET")->mutate_op(10);
            instruction(forward, "JMP")->mutate_x(3 - ret);
        }
        if (damage == "noret") instruction(forward, "RET")->mutate_op(6);  // DROP: falls off the end
        if (damage == "opcode") instruction(forward, "DROPR")->mutate_op(120);
        if (damage == "underflow") instruction(forward, "DROPR")->mutate_op(5);  // STORE with an empty stack
        QTemporaryDir dir;
        const QString path = writeFile(dir, "broken.ptl", bytes);
        const QString message = inspectProblem(path);
        QVERIFY2(message.startsWith(path + ": ") && message.contains("bytecode of '") && message.contains(problem),
                 qPrintable(message));
        QVERIFY(!message.contains('\n'));
    }

    void brokenZipOperandsAreRefused_data() {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("problem");
        QTest::newRow("operator") << "op" << "(OP 99 0) refers to operator 99 of";
        QTest::newRow("constant") << "loadc" << "(LOADC 99 0) refers to constant 99 of";
        QTest::newRow("register 0") << "move0" << "(MOVE 0 0) refers to register 0 of";
        QTest::newRow("endless jump") << "jmp" << "(JMP 0 0) jumps to itself";
        QTest::newRow("stack runs dry") << "underflow" << "(STORE 1 0) needs 1 stack values but finds 0";
    }

    // A zip .ptl with TorchScript code: inspect reports the damage as a lite.roundtrip error
    // finding; bench (which runs the bytecode) and convert refuse the file with exit 2. Operands
    // out of range are found before LibTorch's loader reads the file (it follows OP operands into
    // the operator table unchecked); a stack that runs dry only once the bytecode is loaded.
    void brokenZipOperandsAreRefused() {
        QFETCH(QString, damage);
        QFETCH(QString, problem);
        const QByteArray zip = patchStoredEntry(readFile(fixture("clean_conv.ptl")), "/bytecode.pkl", [&](QByteArray& pickle) {
            if (damage == "op") setOperand(pickle, "OP", 99);
            if (damage == "loadc") setOperand(pickle, "LOADC", 99);
            if (damage == "move0") setOperand(pickle, "MOVE", 0);
            if (damage == "jmp") renameOp(pickle, "RET", "JMP");
            if (damage == "underflow") renameOp(pickle, "DROPR", "STORE");
        });
        QTemporaryDir dir;
        const QString path = writeFile(dir, "broken.ptl", zip);
        const QString beforeLoading = QString::fromStdString(ptl::openModelFile(path.toStdString()).bytecodeProblem);
        QVERIFY2(damage == "underflow" ? beforeLoading.isEmpty() : beforeLoading.contains(problem), qPrintable(beforeLoading));
        const ptl::Report report = ptl::inspectModel(path.toStdString());
        bool reported = false;
        for (const ptl::Finding& finding : report.findings)
            if (finding.category == "lite.roundtrip" && finding.severity == ptl::Severity::Error &&
                QString::fromStdString(finding.message).contains(problem))
                reported = true;
        QVERIFY(reported);
        const Run bench = cli({QStringLiteral("bench"), path, QStringLiteral("--input"), QStringLiteral("1x3x16x16"),
                               QStringLiteral("--iters"), QStringLiteral("2")});
        QVERIFY(!bench.crashed);
        QCOMPARE(bench.exitCode, 2);
        QVERIFY2(bench.err.contains(path + ": ") && bench.err.contains(problem) && !bench.err.contains('\n'),
                 qPrintable(bench.err));
        const Run convert = cli({QStringLiteral("convert"), path, QStringLiteral("-o"), dir.filePath("out.ptl")});
        QVERIFY(!convert.crashed);
        QCOMPARE(convert.exitCode, 2);
        QVERIFY2(convert.err.contains(problem), qPrintable(convert.err));
        QVERIFY(!QFile::exists(dir.filePath("out.ptl")));
    }

    void flatbufferGraphFollowsTheBytecode() {
        const ptl::Report lite = ptl::inspectModel(fixture("clean_conv_flatbuffer.ptl").toStdString());
        const ptl::Report zip = ptl::inspectModel(fixture("clean_conv.ptl").toStdString());
        QVERIFY(!lite.methods.empty());
        QCOMPARE(QString::fromStdString(lite.methods.front().name), QStringLiteral("forward"));
        const ptl::Graph& graph = lite.methods.front().graph;
        auto operators = [](const ptl::Graph& g) {
            QStringList kinds;
            for (const ptl::Node& node : g.nodes)
                if (node.kind.rfind("prim::", 0) != 0) kinds << QString::fromStdString(node.kind);
            return kinds;
        };
        // The same optimized module saved both ways: the zip's TorchScript graph has the same operators.
        const QStringList expected{"prepacked::conv2d_clamp_run", "aten::max_pool2d", "prepacked::conv2d_clamp_run",
                                   "aten::max_pool2d", "aten::flatten", "prepacked::linear_clamp_run"};
        QCOMPARE(operators(graph), expected);
        QCOMPARE(operators(zip.methods.front().graph), expected);
        // Data flow: x feeds the first convolution, each op the next, the linear layer is the output.
        std::vector<const ptl::Node*> chain;
        for (const ptl::Node& node : graph.nodes)
            if (node.kind.rfind("prim::", 0) != 0) chain.push_back(&node);
        QCOMPARE(graph.inputs.size(), size_t(2));
        QCOMPARE(QString::fromStdString(graph.values[graph.inputs[1]].name), QStringLiteral("x"));
        QCOMPARE(chain.front()->inputs.front(), graph.inputs[1]);
        for (size_t i = 1; i < chain.size(); ++i)
            QCOMPARE(graph.values[chain[i]->inputs.front()].producer, chain[i - 1]->id);
        QCOMPARE(graph.outputs.size(), size_t(1));
        QCOMPARE(graph.values[graph.outputs.front()].producer, chain.back()->id);
        QVERIFY(QString::fromStdString(chain.front()->schema).startsWith("prepacked::conv2d_clamp_run("));
        // Constants feed the ops as prim::Constant nodes, the flatten overload is kept.
        QCOMPARE(graph.values[chain.front()->inputs[1]].producer >= 0, true);
        QCOMPARE(QString::fromStdString(graph.nodes[graph.values[chain.front()->inputs[1]].producer].kind),
                 QStringLiteral("prim::Constant"));
        QCOMPARE(chain[4]->attributes.front(), (std::pair<std::string, std::string>{"overload", "using_ints"}));
    }

    void liteWeightsMatchTheirSource() {
        const ptl::Report source = ptl::inspectModel(fixture("clean_conv.pt").toStdString());
        QCOMPARE(source.modules.front().totalParameters, int64_t(2098));
        std::multiset<std::vector<int64_t>> sourceShapes;
        for (const ptl::TensorInfo& tensor : source.tensors) sourceShapes.insert(tensor.shape);
        std::vector<std::string> names;
        for (const char* name : {"clean_conv.ptl", "clean_conv_flatbuffer.ptl"}) {
            const ptl::Report lite = ptl::inspectModel(fixture(name).toStdString());
            QCOMPARE(lite.modules.front().totalParameters, source.modules.front().totalParameters);
            QCOMPARE(lite.modules.front().totalBytes, source.modules.front().totalBytes);
            std::multiset<std::vector<int64_t>> shapes;
            std::vector<std::string> tensorNames;
            for (const ptl::TensorInfo& tensor : lite.tensors) {
                shapes.insert(tensor.shape);
                tensorNames.push_back(tensor.name);
                QCOMPARE(QString::fromStdString(tensor.kind), QStringLiteral("packed"));
                QVERIFY(tensor.stats.known);
            }
            QVERIFY(shapes == sourceShapes);
            if (names.empty()) names = tensorNames;
            QVERIFY(names == tensorNames);  // zip and flatbuffer name them alike
        }
    }
};

QTEST_GUILESS_MAIN(BytecodeTest)
#include "tst_bytecode.moc"
