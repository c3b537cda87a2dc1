// Conversion jobs, the private folder and export; see convert_controller.h.
#include "convert/convert_controller.h"

#include "worker/worker_client.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTemporaryDir>

#include <signal.h>

namespace ptl::ui {

namespace {

const QString kFolderPrefix = QStringLiteral("ptl-studio-variants-");

QString variantFileName(int id) { return QStringLiteral("variant-%1.ptl").arg(id); }

// Writes bytes atomically (QSaveFile: a temporary file beside the destination, then a rename).
bool saveAtomically(const QString& path, const QByteArray& bytes, QString* error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        *error = QStringLiteral("%1: cannot write it: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

}  // namespace

ConvertController::ConvertController(QObject* parent)
    : QObject(parent), worker_(new WorkerClient(WorkerClient::defaultWorkerPath(), this)), variants_(new VariantsModel(this)) {
    latency_.iterations = 50;
    latency_.warmup = 10;
    latency_.threads = 1;
    latency_.lite = true;  // what the phone runs
    connect(worker_, &WorkerClient::progress, this, [this](quint64 job, const QString& stage, double fraction) {
        if (job == running_.worker) Q_EMIT progress(stage, fraction);
    });
    connect(worker_, &WorkerClient::converted, this, &ConvertController::onConverted);
    connect(worker_, &WorkerClient::benchmarked, this, &ConvertController::onBenchmarked);
    connect(worker_, &WorkerClient::failed, this, &ConvertController::onFailed);
    connect(worker_, &WorkerClient::cancelled, this, &ConvertController::onCancelled);
    connect(worker_, &WorkerClient::logLine, this, &ConvertController::logLine);
}

ConvertController::~ConvertController() { worker_->cancel(); }

int ConvertController::removeStaleFolders() {
    int removed = 0;
    const QDir temp(QDir::tempPath());
    for (const QString& name : temp.entryList({kFolderPrefix + QLatin1Char('*')}, QDir::Dirs | QDir::NoDotAndDotDot)) {
        // ptl-studio-variants-<pid>-XXXXXX: the owner is gone when its pid no longer runs.
        const QStringList parts = name.mid(kFolderPrefix.size()).split(QLatin1Char('-'));
        bool numeric = false;
        const qint64 pid = parts.value(0).toLongLong(&numeric);
        if (!numeric || pid == QCoreApplication::applicationPid()) continue;
        if (::kill(pid_t(pid), 0) == 0 || errno == EPERM) continue;
        if (QDir(temp.filePath(name)).removeRecursively()) ++removed;
    }
    return removed;
}

int ConvertController::unexportedVariants() const {
    int count = 0;
    for (const Variant& variant : variants_->variants())
        if (variant.state == Variant::State::Ready && !exported_.count(variant.id)) ++count;
    return count;
}

QString ConvertController::privateFolder() const { return folder_ ? folder_->path() : QString(); }

void ConvertController::setModel(const QString& path, const QString& displayName) {
    cancel();
    variants_->clear();
    exported_.clear();
    folder_.reset();  // removes the previous model's files
    modelPath_ = path;
    modelName_ = displayName;
}

void ConvertController::prepareWorker() {
    // A worker loads LibTorch while the user sets up the conversion: the click skips ~0.4 s. Not
    // while a job runs: loading would compete for the cores.
    if (!modelPath_.isEmpty() && !busy()) worker_->prestart();
}

// "static · qnnpack", then "static · qnnpack (2)": plots and the table tell runs apart.
QString ConvertController::uniqueName(const QString& base) const {
    auto taken = [&](const QString& name) {
        for (const Variant& variant : variants_->variants())
            if (variant.name == name) return true;
        return false;
    };
    QString name = base;
    for (int n = 2; taken(name); ++n) name = QStringLiteral("%1 (%2)").arg(base).arg(n);
    return name;
}

int ConvertController::convert(ptl::ConvertOptions options, const QString& name, int replaces) {
    if (!folder_) {
        folder_ = std::make_unique<QTemporaryDir>(QDir::tempPath() + QLatin1Char('/') + kFolderPrefix +
                                                  QString::number(QCoreApplication::applicationPid()) +
                                                  QStringLiteral("-XXXXXX"));
    }
    Variant variant;
    variant.name = name.isEmpty() ? uniqueName(describeSettings(options).section(QStringLiteral(" · "), 0, 1)) : name;
    int id = replaces;
    if (const Variant* previous = replaces ? variants_->variant(replaces) : nullptr) {
        variant.id = replaces;
        variant.name = name.isEmpty() ? previous->name : name;
    } else {
        id = variants_->add(variant);
        variant.id = id;
    }
    options.output = folder_->filePath(variantFileName(id)).toStdString();
    options.opsYaml.clear();  // written on export, beside the exported file
    variant.options = options;
    variant.state = Variant::State::Running;
    variants_->update(variant);
    queue_.push_back({Job::Kind::Convert, id, 0});
    startNext();
    return id;
}

void ConvertController::measureLatency(int variantId) {
    const Variant* variant = variants_->variant(variantId);
    if (!variant || variant->state != Variant::State::Ready) return;
    queue_.push_back({Job::Kind::Bench, variantId, 0});
    startNext();
}

void ConvertController::remove(int variantId) {
    if (running_.variantId == variantId) worker_->cancel();
    queue_.erase(std::remove_if(queue_.begin(), queue_.end(), [&](const Job& job) { return job.variantId == variantId; }),
                 queue_.end());
    if (const Variant* variant = variants_->variant(variantId)) QFile::remove(variant->filePath());
    variants_->remove(variantId);
}

void ConvertController::cancel() {
    for (const Job& job : queue_)
        if (job.kind == Job::Kind::Convert) setState(job.variantId, Variant::State::Cancelled);
    queue_.clear();
    if (busy()) worker_->cancel();  // answered by cancelled()
}

void ConvertController::startNext() {
    if (busy() || queue_.empty()) return;
    running_ = queue_.front();
    queue_.pop_front();
    const Variant* variant = variants_->variant(running_.variantId);
    if (!variant) {
        running_ = {};
        startNext();
        return;
    }
    if (running_.kind == Job::Kind::Convert) {
        Q_EMIT logLine(tr("Converting %1: %2").arg(modelName_, describeSettings(variant->options)));
        running_.worker = worker_->convert(modelPath_, variant->options);
    } else {
        Q_EMIT logLine(tr("Measuring the latency of %1").arg(variant->name));
        ptl::BenchOptions options = latency_;
        options.inputSpecs = variant->options.inputSpecs;
        running_.worker = worker_->bench(variant->filePath(), options);
    }
    Q_EMIT busyChanged(true);
}

void ConvertController::finishJob() {
    running_ = {};
    if (queue_.empty()) Q_EMIT busyChanged(false);
    startNext();
    prepareWorker();  // the next conversion is likely
}

void ConvertController::setState(int variantId, Variant::State state, const QString& error) {
    const Variant* current = variants_->variant(variantId);
    if (!current) return;
    Variant variant = *current;
    variant.state = state;
    variant.error = error;
    if (state != Variant::State::Ready) {
        variant.result.reset();
        variant.latency.reset();
        QFile::remove(variant.filePath());  // a failed or cancelled job never leaves a result behind
    }
    variants_->update(variant);
}

void ConvertController::onConverted(quint64 job, std::shared_ptr<const ptl::ConvertResult> result) {
    if (job != running_.worker) return;
    const int id = running_.variantId;
    if (const Variant* current = variants_->variant(id)) {
        Variant variant = *current;
        variant.state = Variant::State::Ready;
        variant.error.clear();
        variant.result = *result;
        variant.latency.reset();
        variants_->update(variant);
        Q_EMIT logLine(tr("%1: %2 bytes, verified in the Lite Interpreter").arg(variant.name).arg(result->outputBytes));
        queue_.push_front({Job::Kind::Bench, id, 0});  // its latency next, before other conversions
    }
    Q_EMIT variantFinished(id);
    finishJob();
}

void ConvertController::onBenchmarked(quint64 job, std::shared_ptr<const ptl::BenchResult> result) {
    if (job != running_.worker) return;
    const int id = running_.variantId;
    if (const Variant* current = variants_->variant(id)) {
        Variant variant = *current;
        variant.latency = *result;
        variants_->update(variant);
    }
    Q_EMIT latencyMeasured(id);
    finishJob();
}

void ConvertController::onFailed(quint64 job, const QString& rawMessage) {
    if (job != running_.worker) return;
    // The engine words its advice for the command line; here the inputs are set in a dialog.
    QString message = rawMessage;
    message.replace(QStringLiteral("pass --input"), tr("set the sample inputs (Model > Sample Inputs)"));
    const int id = running_.variantId;
    if (running_.kind == Job::Kind::Convert) {
        setState(id, Variant::State::Failed, message);  // the variant's error, which the workflow tells (and logs)
        Q_EMIT variantFinished(id);
    } else {
        Q_EMIT logLine(message);
    }
    finishJob();
}

void ConvertController::onCancelled(quint64 job) {
    if (job != running_.worker) return;
    const int id = running_.variantId;
    if (running_.kind == Job::Kind::Convert) {
        setState(id, Variant::State::Cancelled);
        Q_EMIT variantFinished(id);
    }
    Q_EMIT logLine(tr("Cancelled"));
    finishJob();
}

QString ConvertController::defaultExportName(const QString& modelName, const QString& variantName) {
    QString variant = variantName;
    variant.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.-]+")), QStringLiteral("-"));
    return QStringLiteral("%1-%2.ptl").arg(QFileInfo(modelName).completeBaseName(), variant.toLower());
}

ExportOutcome ConvertController::exportVariant(int variantId, const QString& destination, bool withOpsYaml) {
    ExportOutcome outcome;
    const Variant* variant = variants_->variant(variantId);
    if (!variant) return {false, tr("No such variant."), {}, {}};
    if (!variant->verified()) {
        outcome.message = variant->state == Variant::State::Failed ? tr("%1 failed and was not exported: %2").arg(variant->name, variant->error)
                          : variant->state == Variant::State::Cancelled ? tr("%1 was cancelled before it was converted.").arg(variant->name)
                          : variant->state != Variant::State::Ready
                              ? tr("%1 is not converted yet.").arg(variant->name)
                              : tr("%1 was not verified: without sample inputs its outputs could not be compared with the "
                                   "converted model in the Lite Interpreter. Set the inputs and convert again.").arg(variant->name);
        return outcome;
    }
    const QFileInfo target(destination);
    const QFileInfo input(modelPath_);
    if (target.absoluteFilePath() == input.absoluteFilePath() ||
        (target.exists() && input.exists() && target.canonicalFilePath() == input.canonicalFilePath()))
        return {false, tr("%1: refusing to overwrite the input model").arg(destination), {}, {}};
    if (target.exists() && !target.isFile())
        return {false, tr("%1 exists and is not a regular file: refusing to replace it").arg(destination), {}, {}};
    QFile source(variant->filePath());
    if (!source.open(QIODevice::ReadOnly))
        return {false, tr("The converted file %1 is gone: %2").arg(variant->filePath(), source.errorString()), {}, {}};
    const QByteArray bytes = source.readAll();
    if (!saveAtomically(destination, bytes, &outcome.message)) return outcome;
    outcome.path = destination;
    if (withOpsYaml) {
        const QString yaml = target.absolutePath() + QLatin1Char('/') + target.completeBaseName() + QStringLiteral(".yaml");
        const std::string text = ptl::operatorsYaml(variant->result->operators);
        if (!saveAtomically(yaml, QByteArray::fromStdString(text), &outcome.message)) return outcome;
        outcome.opsYamlPath = yaml;
    }
    outcome.ok = true;
    exported_.insert(variantId);
    return outcome;
}

}  // namespace ptl::ui
