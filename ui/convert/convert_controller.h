// The window's conversion workflow without widgets: converts the open model into variants and
// measures their latency in a worker process of its own (so opening another model never kills a
// conversion), keeps each variant's verified .ptl in a private folder until it is exported or the
// model is closed, and exports a variant atomically.
#pragma once

#include "convert/variants_model.h"

#include <QObject>
#include <QString>

#include <deque>
#include <set>
#include <memory>

class QTemporaryDir;

namespace ptl::ui {

class WorkerClient;

struct ExportOutcome {
    bool ok = false;
    QString message;      // why it failed, for the user
    QString path;         // the written .ptl
    QString opsYamlPath;  // beside it, when asked for
};

class ConvertController : public QObject {
    Q_OBJECT
public:
    explicit ConvertController(QObject* parent = nullptr);
    ~ConvertController() override;

    VariantsModel* variants() const { return variants_; }
    WorkerClient* worker() const { return worker_; }

    // A new model: drops the previous model's variants and their files.
    void setModel(const QString& path, const QString& displayName);
    // Starts a worker that loads LibTorch ahead of the first conversion (~160 MB): when the person
    // turns to converting, not at every open, which it would slow down.
    void prepareWorker();
    const QString& modelPath() const { return modelPath_; }
    const QString& modelName() const { return modelName_; }
    QString privateFolder() const;

    // Queues a conversion (options.output is chosen here) and returns the new variant's id; its
    // latency is measured when it is ready. `replaces` re-runs an existing variant in place.
    int convert(ptl::ConvertOptions options, const QString& name = {}, int replaces = 0);
    void measureLatency(int variantId);
    void remove(int variantId);  // with its file
    void cancel();               // the running job and everything queued
    bool busy() const { return running_.kind != Job::Kind::None; }
    int unexportedVariants() const;  // converted and not yet exported

    ptl::BenchOptions latencyOptions() const { return latency_; }
    void setLatencyOptions(const ptl::BenchOptions& options) { latency_ = options; }

    // Writes the variant's verified file to destination atomically (never over the input model),
    // and the root operator list as YAML beside it when asked.
    ExportOutcome exportVariant(int variantId, const QString& destination, bool withOpsYaml);
    static QString defaultExportName(const QString& modelName, const QString& variantName);  // "<model>-<variant>.ptl"

    // Removes private folders left by instances that are no longer running (after a crash).
    static int removeStaleFolders();

Q_SIGNALS:
    void progress(const QString& stage, double fraction);
    void busyChanged(bool busy);
    void variantFinished(int variantId);  // ready, failed or cancelled
    void latencyMeasured(int variantId);
    void logLine(const QString& line);

private:
    struct Job {
        enum class Kind { None, Convert, Bench } kind = Kind::None;
        int variantId = 0;
        quint64 worker = 0;
    };

    WorkerClient* worker_ = nullptr;
    VariantsModel* variants_ = nullptr;
    std::unique_ptr<QTemporaryDir> folder_;
    QString modelPath_, modelName_;
    std::deque<Job> queue_;
    Job running_;
    ptl::BenchOptions latency_;
    std::set<int> exported_;  // variants written out: nothing is lost when they are dropped

    QString uniqueName(const QString& base) const;
    void startNext();
    void finishJob();
    void onConverted(quint64 job, std::shared_ptr<const ptl::ConvertResult> result);
    void onBenchmarked(quint64 job, std::shared_ptr<const ptl::BenchResult> result);
    void onFailed(quint64 job, const QString& message);
    void onCancelled(quint64 job);
    void setState(int variantId, Variant::State state, const QString& error = {});
};

}  // namespace ptl::ui
