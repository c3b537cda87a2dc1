// The Convert dock: what a conversion does (optimize passes, quantization, backend, observer,
// calibration data with a preview of the first images as the model will see them, preserved
// methods, modules kept in float, bytecode version), a Run button that adds a variant, and the
// running job's stage with Cancel.
#pragma once

#include "docks/job_controls.h"
#include "ptl/convert.h"
#include "ptl/report.h"

#include <QWidget>

#include <memory>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace ptl::ui {

class ConvertPanel : public QWidget {
    Q_OBJECT
public:
    explicit ConvertPanel(QWidget* parent = nullptr);

    // The settings as chosen, without output and input specs (the window adds them). Throws
    // std::invalid_argument naming the field when one cannot be used (e.g. a missing folder).
    ptl::ConvertOptions options() const;
    void setOptions(const ptl::ConvertOptions& options);  // for Re-run with changed settings

    // forward's sample inputs and where they came from; the image preview follows the first one.
    void setInputs(const std::vector<ptl::InputInfo>& inputs);
    void addKeepFloat(const QString& modulePath);
    void setBusy(bool busy);
    void setProgress(const QString& stage, double fraction);
    void setModelAvailable(bool available);  // a TorchScript model is open

    QPushButton* runButton() const { return run_; }
    QPushButton* cancelButton() const { return jobControls_->cancelButton(); }
    QComboBox* quantizationBox() const { return quantization_; }
    QComboBox* calibrationKindBox() const { return calibrationKind_; }
    QLineEdit* imageFolderField() const { return folder_; }
    QLineEdit* tensorFileField() const { return tensorFile_; }
    QSpinBox* randomBatchesBox() const { return randomBatches_; }
    QComboBox* normalizationBox() const { return normalization_; }
    QLineEdit* keepFloatField() const { return keepFloat_; }
    QLabel* imageStrip() const { return strip_; }
    QLabel* inputsLabel() const { return inputsLabel_; }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

Q_SIGNALS:
    void runRequested();
    void cancelRequested();
    void editInputsRequested();

private:
    QCheckBox* optimize_ = nullptr;
    std::vector<std::pair<QString, QCheckBox*>> passes_;
    QComboBox* quantization_ = nullptr;
    QComboBox* backend_ = nullptr;
    QLabel* backendNote_ = nullptr;
    QComboBox* observer_ = nullptr;
    QComboBox* calibrationKind_ = nullptr;
    std::vector<QWidget*> calibrationPages_;  // one per kind; only the chosen one shows
    QSpinBox* randomBatches_ = nullptr;
    QLineEdit* folder_ = nullptr;
    QLineEdit* tensorFile_ = nullptr;
    QComboBox* normalization_ = nullptr;
    QDoubleSpinBox* mean_[3] = {};
    QDoubleSpinBox* std_[3] = {};
    QLabel* strip_ = nullptr;
    QLineEdit* preserved_ = nullptr;
    QLineEdit* keepFloat_ = nullptr;
    QComboBox* bytecode_ = nullptr;
    QLabel* bytecodeNote_ = nullptr;
    QLabel* inputsLabel_ = nullptr;
    QPushButton* run_ = nullptr;
    std::unique_ptr<JobControls> jobControls_;
    std::vector<ptl::InputInfo> inputs_;
    QWidget* staticOnly_ = nullptr;

    QWidget* buildOptimizeGroup();
    QWidget* buildQuantizeGroup();
    QWidget* buildCalibrationGroup();
    QWidget* buildExportGroup();
    QWidget* buildRunRow();
    void applyPreset(int index);
    void updateStrip();
    void updateVisibility();
};

// The first images of a calibration folder as the model will see them: shorter side scaled to
// the input's height/width, center-cropped, gray for one-channel inputs. At most `count`.
std::vector<QImage> calibrationPreview(const QString& folder, int height, int width, int channels, int count);

}  // namespace ptl::ui
