// The Convert dock; see convert_panel.h.
#include "convert/convert_panel.h"

#include "models/report_models.h"
#include "ptl/input_spec.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QImage>
#include <QImageReader>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <cmath>

#include <stdexcept>

namespace ptl::ui {

namespace {

// optimize_for_mobile's passes with what each does, in one line.
const std::pair<const char*, const char*> kPasses[] = {
    {"conv-bn-fusion", QT_TRANSLATE_NOOP("ConvertPanel", "Fold BatchNorm into the convolution before it")},
    {"insert-fold-prepack-ops", QT_TRANSLATE_NOOP("ConvertPanel", "Prepack conv/linear weights for XNNPACK once, at load")},
    {"remove-dropout", QT_TRANSLATE_NOOP("ConvertPanel", "Drop dropout, which does nothing at inference")},
    {"fuse-add-relu", QT_TRANSLATE_NOOP("ConvertPanel", "Run add followed by ReLU as one op")},
    {"hoist-conv-packed-params", QT_TRANSLATE_NOOP("ConvertPanel", "Keep quantized conv weights on the top module, shared")},
    {"conv1d-to-conv2d", QT_TRANSLATE_NOOP("ConvertPanel", "Run 1-D convolutions as 2-D ones, which XNNPACK speeds up")},
};

// Mean/std presets for calibration images.
struct Normalization {
    const char* name;
    float mean[3], std[3];
};
const Normalization kPresets[] = {
    {QT_TRANSLATE_NOOP("ConvertPanel", "TensorImageUtils / ImageNet"), {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}},
    {QT_TRANSLATE_NOOP("ConvertPanel", "[0, 1]"), {0, 0, 0}, {1, 1, 1}},
    {QT_TRANSLATE_NOOP("ConvertPanel", "[-1, 1]"), {0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f}},
};

QLabel* note(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

// Long choices must not widen the dock: the box sizes to a few characters and elides. Set before
// anything asks for its size (QComboBox caches its minimum size hint).
QComboBox* compactCombo(QWidget* parent) {
    auto* box = new QComboBox(parent);
    box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    box->setMinimumContentsLength(10);
    return box;
}

QStringList splitList(const QString& text) {
    QStringList items;
    for (const QString& item : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!item.trimmed().isEmpty()) items << item.trimmed();
    return items;
}

}  // namespace

std::vector<QImage> calibrationPreview(const QString& folder, int height, int width, int channels, int count) {
    std::vector<QImage> images;
    const QStringList files = QDir(folder).entryList({QStringLiteral("*.png"), QStringLiteral("*.jpg"), QStringLiteral("*.jpeg"),
                                                      QStringLiteral("*.PNG"), QStringLiteral("*.JPG"), QStringLiteral("*.JPEG")},
                                                     QDir::Files, QDir::Name);
    for (const QString& file : files) {
        if (int(images.size()) >= count) break;
        if (height <= 0 || width <= 0) break;
        // Decoded at about the size shown (JPEG scales while decoding): this runs on the UI thread.
        QImageReader reader(QDir(folder).filePath(file));
        const QSize full = reader.size();
        if (full.isValid() && full.width() > 4 * width && full.height() > 4 * height)
            reader.setScaledSize(full.scaled(2 * width, 2 * height, Qt::KeepAspectRatioByExpanding));
        QImage image = reader.read();
        if (image.isNull()) continue;
        // As the converter and TensorImageUtils do: shorter side to the target, then the centre.
        image = image.convertToFormat(QImage::Format_RGB32)
                    .scaled(width, height, Qt::KeepAspectRatioByExpanding, Qt::SmoothTransformation);
        image = image.copy((image.width() - width) / 2, (image.height() - height) / 2, width, height);
        if (channels == 1) image = image.convertToFormat(QImage::Format_Grayscale8);
        images.push_back(image);
    }
    return images;
}

ConvertPanel::ConvertPanel(QWidget* parent) : QWidget(parent) {
    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);
    inputsLabel_ = new QLabel(tr("Inputs: none yet"), content);
    inputsLabel_->setObjectName(QStringLiteral("convertInputs"));
    inputsLabel_->setWordWrap(true);
    auto* inputsRow = new QHBoxLayout;
    auto* editInputs = new QPushButton(tr("Edit Inputs…"), content);
    connect(editInputs, &QPushButton::clicked, this, &ConvertPanel::editInputsRequested);
    inputsRow->addWidget(inputsLabel_, 1);
    inputsRow->addWidget(editInputs);
    layout->addLayout(inputsRow);
    // The main decision first: how to quantize and on what data; then the passes and the file.
    layout->addWidget(buildQuantizeGroup());
    staticOnly_ = buildCalibrationGroup();
    layout->addWidget(staticOnly_);
    layout->addWidget(buildOptimizeGroup());
    layout->addWidget(buildExportGroup());
    layout->addStretch(1);

    auto* scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll, 1);
    outer->addWidget(buildRunRow());
    setMinimumWidth(300);
    // In a scrolled form the wheel scrolls; it changes a spin box or a choice only once focused.
    for (QWidget* field : content->findChildren<QWidget*>()) {
        if (!qobject_cast<QAbstractSpinBox*>(field) && !qobject_cast<QComboBox*>(field)) continue;
        field->setFocusPolicy(Qt::StrongFocus);
        field->installEventFilter(this);
    }
    updateVisibility();
    setBusy(false);
}

QWidget* ConvertPanel::buildOptimizeGroup() {
    auto* group = new QGroupBox(tr("Optimize for mobile"), this);
    auto* layout = new QVBoxLayout(group);
    optimize_ = new QCheckBox(tr("Run optimize_for_mobile"), group);
    optimize_->setChecked(true);
    layout->addWidget(optimize_);
    for (const auto& [name, help] : kPasses) {
        auto* box = new QCheckBox(QString::fromLatin1(name), group);
        box->setChecked(true);
        box->setToolTip(tr(help));
        layout->addWidget(box);
        layout->addWidget(note(tr(help), group));
        passes_.emplace_back(QString::fromLatin1(name), box);
        connect(optimize_, &QCheckBox::toggled, box, &QWidget::setEnabled);
    }
    return group;
}

QWidget* ConvertPanel::buildQuantizeGroup() {
    auto* group = new QGroupBox(tr("Quantize"), this);
    auto* form = new QFormLayout(group);
    quantization_ = compactCombo(group);
    quantization_->setObjectName(QStringLiteral("quantization"));
    quantization_->addItem(tr("None (float)"), QStringLiteral("none"));
    quantization_->addItem(tr("Dynamic: int8 Linear/LSTM/GRU, 8-bit embeddings"), QStringLiteral("dynamic"));
    quantization_->addItem(tr("Static: int8 weights and activations, calibrated"), QStringLiteral("static"));
    form->addRow(tr("Mode"), quantization_);
    backend_ = compactCombo(group);
    backend_->addItem(tr("qnnpack (phones)"), QStringLiteral("qnnpack"));
    backend_->addItem(tr("x86 (laptops)"), QStringLiteral("x86"));
    form->addRow(tr("Backend"), backend_);
    backendNote_ = note({}, group);
    form->addRow(backendNote_);
    observer_ = compactCombo(group);
    observer_->addItem(tr("min-max"), QStringLiteral("minmax"));
    observer_->addItem(tr("histogram (least error range)"), QStringLiteral("histogram"));
    form->addRow(tr("Observer"), observer_);
    keepFloat_ = new QLineEdit(group);
    keepFloat_->setObjectName(QStringLiteral("keepFloat"));
    keepFloat_->setPlaceholderText(tr("module paths, e.g. features.3, classifier"));
    keepFloat_->setToolTip(tr("Static quantization leaves these modules (and all they contain) in float. Right-click a "
                              "node or module in the graph: Keep in Float."));
    form->addRow(tr("Keep in float"), keepFloat_);
    connect(quantization_, &QComboBox::currentIndexChanged, this, &ConvertPanel::updateVisibility);
    connect(backend_, &QComboBox::currentIndexChanged, this, &ConvertPanel::updateVisibility);
    return group;
}

QWidget* ConvertPanel::buildCalibrationGroup() {
    auto* group = new QGroupBox(tr("Calibration data"), this);
    auto* layout = new QVBoxLayout(group);
    calibrationKind_ = compactCombo(group);
    calibrationKind_->setObjectName(QStringLiteral("calibrationKind"));
    calibrationKind_->addItem(tr("Random batches shaped like the inputs"));
    calibrationKind_->addItem(tr("A folder of images (PNG/JPEG)"));
    calibrationKind_->addItem(tr("Saved tensors (torch.save file)"));
    layout->addWidget(calibrationKind_);
    randomBatches_ = new QSpinBox(group);
    randomBatches_->setRange(1, 100000);
    randomBatches_->setValue(8);
    randomBatches_->setSuffix(tr(" batches"));
    auto* folderPage = new QWidget(group);
    auto* folderLayout = new QVBoxLayout(folderPage);
    folderLayout->setContentsMargins(0, 0, 0, 0);
    auto* folderRow = new QHBoxLayout;
    folder_ = new QLineEdit(folderPage);
    folder_->setObjectName(QStringLiteral("imageFolder"));
    auto* browse = new QPushButton(tr("Browse…"), folderPage);
    folderRow->addWidget(folder_, 1);
    folderRow->addWidget(browse);
    folderLayout->addLayout(folderRow);
    strip_ = new QLabel(folderPage);
    strip_->setObjectName(QStringLiteral("imageStrip"));
    strip_->setMinimumHeight(56);
    strip_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);  // a long strip is cut, not the dock widened
    folderLayout->addWidget(strip_);
    auto* presets = new QHBoxLayout;
    normalization_ = compactCombo(folderPage);
    normalization_->setObjectName(QStringLiteral("normalization"));
    for (const Normalization& preset : kPresets) normalization_->addItem(tr(preset.name));
    normalization_->addItem(tr("Custom"));
    presets->addWidget(new QLabel(tr("Mean/std"), folderPage));
    presets->addWidget(normalization_, 1);
    folderLayout->addLayout(presets);
    auto* values = new QGridLayout;
    for (int c = 0; c < 3; ++c) {
        mean_[c] = new QDoubleSpinBox(folderPage);
        std_[c] = new QDoubleSpinBox(folderPage);
        for (QDoubleSpinBox* box : {mean_[c], std_[c]}) {
            box->setMinimumWidth(60);
            box->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
            box->setDecimals(3);
            box->setRange(-10, 10);
            box->setSingleStep(0.01);
        }
        values->addWidget(mean_[c], 0, c);
        values->addWidget(std_[c], 1, c);
    }
    folderLayout->addLayout(values);
    folderLayout->addWidget(note(tr("Each image is scaled (shorter side to the input's), center-cropped and normalized "
                                    "per channel, as Android's TensorImageUtils does."), folderPage));
    auto* filePage = new QWidget(group);
    auto* fileRow = new QHBoxLayout(filePage);
    fileRow->setContentsMargins(0, 0, 0, 0);
    tensorFile_ = new QLineEdit(filePage);
    auto* browseFile = new QPushButton(tr("Browse…"), filePage);
    fileRow->addWidget(tensorFile_, 1);
    fileRow->addWidget(browseFile);
    calibrationPages_ = {randomBatches_, folderPage, filePage};
    for (QWidget* page : calibrationPages_) layout->addWidget(page);
    auto showPage = [this](int kind) {
        for (size_t i = 0; i < calibrationPages_.size(); ++i) calibrationPages_[i]->setVisible(int(i) == kind);
    };
    showPage(0);
    connect(calibrationKind_, &QComboBox::currentIndexChanged, this, showPage);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Calibration images"), folder_->text());
        if (!folder.isEmpty()) folder_->setText(folder);
    });
    connect(browseFile, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("Calibration tensors"), tensorFile_->text(),
                                                          tr("Saved tensors (*.pt *.pth);;All files (*)"));
        if (!file.isEmpty()) tensorFile_->setText(file);
    });
    connect(folder_, &QLineEdit::textChanged, this, &ConvertPanel::updateStrip);
    connect(normalization_, &QComboBox::currentIndexChanged, this, &ConvertPanel::applyPreset);
    applyPreset(0);
    return group;
}

QWidget* ConvertPanel::buildExportGroup() {
    auto* group = new QGroupBox(tr("Lite Interpreter file"), this);
    auto* form = new QFormLayout(group);
    preserved_ = new QLineEdit(group);
    preserved_->setPlaceholderText(tr("methods besides forward, comma-separated"));
    form->addRow(tr("Preserve"), preserved_);
    bytecode_ = compactCombo(group);
    bytecode_->addItem(tr("Current (v8)"), -1);
    for (int version = 7; version >= 4; --version) bytecode_->addItem(tr("v%1 (backport)").arg(version), version);
    form->addRow(tr("Bytecode"), bytecode_);
    bytecodeNote_ = note(tr("For PyTorch Mobile runtimes older than 1.11. PyTorch's v8 → v7 backport writes the tensors "
                            "twice: a SqueezeNet int8 file grew from 1.27 to 2.53 MB."), group);
    form->addRow(bytecodeNote_);
    connect(bytecode_, &QComboBox::currentIndexChanged, this, &ConvertPanel::updateVisibility);
    return group;
}

QWidget* ConvertPanel::buildRunRow() {
    auto* row = new QWidget(this);
    auto* layout = new QVBoxLayout(row);
    layout->setContentsMargins(4, 2, 4, 4);
    auto* buttons = new QHBoxLayout;
    run_ = new QPushButton(tr("Convert"), row);
    run_->setObjectName(QStringLiteral("convertRun"));
    run_->setToolTip(tr("Convert with these settings; the result is added as a variant"));
    jobControls_ = std::make_unique<JobControls>(row, QStringLiteral("convert"), JobControls::IdleCancel::Disabled);
    jobControls_->progressBar()->setTextVisible(true);  // the percentage, under the Convert button
    buttons->addWidget(run_, 1);
    buttons->addWidget(jobControls_->cancelButton());
    layout->addLayout(buttons);
    layout->addWidget(jobControls_->progressBar());
    layout->addWidget(jobControls_->status());
    connect(run_, &QPushButton::clicked, this, &ConvertPanel::runRequested);
    connect(jobControls_->cancelButton(), &QPushButton::clicked, this, &ConvertPanel::cancelRequested);
    return row;
}

bool ConvertPanel::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::Wheel && !static_cast<QWidget*>(watched)->hasFocus()) {
        event->ignore();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void ConvertPanel::applyPreset(int index) {
    const bool custom = index < 0 || index >= int(std::size(kPresets));
    for (int c = 0; c < 3; ++c) {
        if (!custom) {
            mean_[c]->setValue(kPresets[index].mean[c]);
            std_[c]->setValue(kPresets[index].std[c]);
        }
        mean_[c]->setEnabled(custom);
        std_[c]->setEnabled(custom);
    }
}

void ConvertPanel::updateVisibility() {
    const QString mode = quantization_->currentData().toString();
    const bool isStatic = mode == QLatin1String("static");
    staticOnly_->setVisible(isStatic);
    backend_->setEnabled(isStatic);
    observer_->setEnabled(isStatic);
    keepFloat_->setEnabled(isStatic);
    const bool x86 = backend_->currentData().toString() == QLatin1String("x86");
    backendNote_->setText(x86 ? tr("x86 settings (per-channel weights, activations reduced to 0..127) fit fbgemm/onednn on "
                                   "laptops, not qnnpack on phones: a larger error and no speed-up on ARM.")
                              : tr("qnnpack is what PyTorch Mobile runs on ARM phones: per-tensor weights, full-range "
                                   "activations."));
    bytecodeNote_->setVisible(bytecode_->currentData().toInt() >= 0);
}

void ConvertPanel::updateStrip() {
    const ptl::InputInfo* image = !inputs_.empty() && inputs_.front().shape.size() == 4 ? &inputs_.front() : nullptr;
    if (!image) {
        strip_->setText(tr("The model's first input is not an image (N×C×H×W)."));
        return;
    }
    const int channels = int(image->shape[1]), height = int(image->shape[2]), width = int(image->shape[3]);
    const std::vector<QImage> images = calibrationPreview(folder_->text(), height, width, channels, 8);
    if (images.empty()) {
        strip_->setText(folder_->text().isEmpty() ? QString() : tr("No PNG or JPEG images in this folder."));
        return;
    }
    // Thumbnails 48 px high, in a row, as the model sees them (at its resolution, scaled for display).
    const int side = 48;
    QPixmap row(int(images.size()) * (side + 4), side);
    row.fill(Qt::transparent);
    QPainter painter(&row);
    for (size_t i = 0; i < images.size(); ++i)
        painter.drawImage(QRect(int(i) * (side + 4), 0, side, side), images[i]);
    painter.end();
    strip_->setPixmap(row);
    strip_->setToolTip(tr("The first %1 images at %2×%3, as the model will see them").arg(images.size()).arg(width).arg(height));
}

void ConvertPanel::setInputs(const std::vector<ptl::InputInfo>& inputs) {
    inputs_ = inputs;
    QStringList parts;
    for (const ptl::InputInfo& input : inputs) {
        parts << QStringLiteral("%1: %2 %3 (%4)").arg(QString::fromStdString(input.argument),
                                                      QString::fromStdString(ptl::formatShape(input.shape)),
                                                      QString::fromStdString(input.dtype), QString::fromStdString(input.source));
    }
    inputsLabel_->setText(parts.isEmpty() ? tr("Inputs: unknown; set them to convert with verification")
                                          : tr("Inputs: %1").arg(parts.join(QStringLiteral(", "))));
    updateStrip();
}

void ConvertPanel::addKeepFloat(const QString& modulePath) {
    QStringList modules = splitList(keepFloat_->text());
    if (!modules.contains(modulePath)) modules << modulePath;
    keepFloat_->setText(modules.join(QStringLiteral(", ")));
    quantization_->setCurrentIndex(quantization_->findData(QStringLiteral("static")));
}

void ConvertPanel::setBusy(bool busy) {
    jobControls_->setRunning(busy);
    if (!busy) jobControls_->setStatus({});
}

void ConvertPanel::setModelAvailable(bool available) { run_->setEnabled(available); }

void ConvertPanel::setProgress(const QString& stage, double fraction) {
    jobControls_->setProgress(fraction);
    jobControls_->setStatus(stage);
}

ptl::ConvertOptions ConvertPanel::options() const {
    ptl::ConvertOptions options;
    options.optimize = optimize_->isChecked();
    for (const auto& [name, box] : passes_)
        if (!box->isChecked()) options.skipOptimizations.push_back(name.toStdString());
    options.quantize = ptl::parseQuantization(quantization_->currentData().toString().toStdString());
    options.backend = ptl::parseBackend(backend_->currentData().toString().toStdString());
    options.observer = ptl::parseObserver(observer_->currentData().toString().toStdString());
    if (options.quantize == ptl::Quantization::Static) {
        switch (calibrationKind_->currentIndex()) {
        case 0: options.calibration = ptl::parseCalibrationSource("random:" + std::to_string(randomBatches_->value())); break;
        case 1: options.calibration = ptl::parseCalibrationSource(folder_->text().trimmed().toStdString()); break;
        default: options.calibration = ptl::parseCalibrationSource(tensorFile_->text().trimmed().toStdString()); break;
        }
        options.keepFloat = toStdStrings(splitList(keepFloat_->text()));
    }
    options.mean.clear();
    options.std.clear();
    for (int c = 0; c < 3; ++c) {
        options.mean.push_back(float(mean_[c]->value()));
        options.std.push_back(float(std_[c]->value()));
    }
    options.preservedMethods = toStdStrings(splitList(preserved_->text()));
    options.bytecodeVersion = bytecode_->currentData().toInt();
    return options;
}

void ConvertPanel::setOptions(const ptl::ConvertOptions& options) {
    optimize_->setChecked(options.optimize);
    for (const auto& [name, box] : passes_)
        box->setChecked(std::find(options.skipOptimizations.begin(), options.skipOptimizations.end(), name.toStdString()) ==
                        options.skipOptimizations.end());
    quantization_->setCurrentIndex(quantization_->findData(QString::fromUtf8(ptl::quantizationName(options.quantize))));
    backend_->setCurrentIndex(backend_->findData(QString::fromUtf8(ptl::backendName(options.backend))));
    observer_->setCurrentIndex(observer_->findData(QString::fromUtf8(ptl::observerName(options.observer))));
    const ptl::CalibrationSource& source = options.calibration;
    calibrationKind_->setCurrentIndex(int(source.kind));
    if (source.kind == ptl::CalibrationSource::Kind::Random) randomBatches_->setValue(source.batches);
    if (source.kind == ptl::CalibrationSource::Kind::ImageFolder) folder_->setText(QString::fromStdString(source.path));
    if (source.kind == ptl::CalibrationSource::Kind::TensorFile) tensorFile_->setText(QString::fromStdString(source.path));
    QStringList kept;
    for (const std::string& module : options.keepFloat) kept << QString::fromStdString(module);
    keepFloat_->setText(kept.join(QStringLiteral(", ")));
    // The preset whose values these are, else Custom with the values as they were.
    int preset = int(std::size(kPresets));
    for (int p = 0; p < int(std::size(kPresets)) && options.mean.size() == 3 && options.std.size() == 3; ++p) {
        bool same = true;
        for (size_t c = 0; c < 3; ++c)
            same = same && std::abs(kPresets[p].mean[c] - options.mean[c]) < 1e-6f && std::abs(kPresets[p].std[c] - options.std[c]) < 1e-6f;
        if (same) preset = p;
    }
    normalization_->setCurrentIndex(preset);
    for (int c = 0; c < 3 && c < int(options.mean.size()) && c < int(options.std.size()); ++c) {
        mean_[c]->setValue(options.mean[size_t(c)]);
        std_[c]->setValue(options.std[size_t(c)]);
    }
    QStringList methods;
    for (const std::string& method : options.preservedMethods) methods << QString::fromStdString(method);
    preserved_->setText(methods.join(QStringLiteral(", ")));
    bytecode_->setCurrentIndex(std::max(0, bytecode_->findData(int(options.bytecodeVersion))));
}

}  // namespace ptl::ui
