// The inputs editor; see inputs_editor.h.
#include "dialogs/inputs_editor.h"

#include "ptl/input_spec.h"

#include <QComboBox>
#include <QCryptographicHash>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QTableWidget>
#include <QVBoxLayout>

#include <stdexcept>

namespace ptl::ui {

namespace {

enum Column { ArgumentColumn, TypeColumn, ShapeColumn, DtypeColumn, SourceColumn, ColumnCount };

const char* const kDtypes[] = {"float32", "float64", "float16", "int64", "int32", "int8", "uint8", "bool"};

QString settingsKey(const QString& modelPath) {
    // A hash: paths hold slashes, which QSettings reads as groups.
    return QStringLiteral("modelInputs/") +
           QString::fromLatin1(QCryptographicHash::hash(modelPath.toUtf8(), QCryptographicHash::Sha1).toHex());
}

QString sourceText(const std::string& source) {
    if (source == "spec") return InputsEditor::tr("given");
    if (source == "bundled") return InputsEditor::tr("bundled with the model");
    if (source == "inferred") return InputsEditor::tr("inferred from the first layer");
    return QString::fromStdString(source);
}

}  // namespace

QString specOf(const ptl::InputInfo& input) {
    return QString::fromStdString(ptl::formatShape(input.shape) + ":" + (input.dtype.empty() ? "float32" : input.dtype));
}

InputsEditor::InputsEditor(const std::vector<ptl::InputInfo>& inputs, const QStringList& specs, QWidget* parent)
    : QDialog(parent) {
    setWindowTitle(tr("Sample Inputs"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("One input per argument of forward. Inspection runs the model on them (shapes on the "
                                "graph, the Lite round trip); conversion verifies and calibrates with them."), this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    table_ = new QTableWidget(int(inputs.size()), ColumnCount, this);
    table_->setObjectName(QStringLiteral("inputsTable"));
    table_->setHorizontalHeaderLabels({tr("Argument"), tr("Type"), tr("Shape"), tr("dtype"), tr("From")});
    table_->horizontalHeader()->setSectionResizeMode(ShapeColumn, QHeaderView::Stretch);
    table_->verticalHeader()->hide();
    for (int row = 0; row < int(inputs.size()); ++row) {
        const ptl::InputInfo& input = inputs[size_t(row)];
        // A spec the user set before wins over what the inspection used.
        const QString spec = row < specs.size() ? specs[row] : specOf(input);
        auto readOnly = [&](int column, const QString& text) {
            auto* item = new QTableWidgetItem(text);
            item->setFlags(item->flags() & ~Qt::ItemIsEditable);
            table_->setItem(row, column, item);
        };
        readOnly(ArgumentColumn, QString::fromStdString(input.argument));
        readOnly(TypeColumn, QString::fromStdString(input.type));
        table_->setItem(row, ShapeColumn, new QTableWidgetItem(spec.section(QLatin1Char(':'), 0, 0)));
        auto* dtype = new QComboBox(table_);
        for (const char* name : kDtypes) dtype->addItem(QString::fromLatin1(name));
        const QString chosen = spec.section(QLatin1Char(':'), 1);
        dtype->setCurrentIndex(std::max(0, dtype->findText(chosen.isEmpty() ? QStringLiteral("float32") : chosen)));
        table_->setCellWidget(row, DtypeColumn, dtype);
        readOnly(SourceColumn, row < specs.size() ? tr("set by you") : sourceText(input.source));
    }
    table_->resizeColumnsToContents();
    connect(table_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (item->column() == ShapeColumn && table_->item(item->row(), SourceColumn))
            table_->item(item->row(), SourceColumn)->setText(tr("set by you"));
    });
    layout->addWidget(table_);
    problem_ = new QLabel(this);
    problem_->setObjectName(QStringLiteral("inputsProblem"));
    problem_->setStyleSheet(QStringLiteral("color: #dc2626"));
    problem_->setWordWrap(true);
    layout->addWidget(problem_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    QPushButton* automatic = buttons->addButton(tr("Use Automatic Inputs"), QDialogButtonBox::ResetRole);
    automatic->setToolTip(tr("Forget these shapes: bundled or inferred inputs are used again"));
    connect(automatic, &QPushButton::clicked, this, [this] {
        automatic_ = true;
        QDialog::accept();
    });
    connect(buttons, &QDialogButtonBox::accepted, this, &InputsEditor::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(640, 120 + 32 * std::max<int>(1, int(inputs.size())));
}

QStringList InputsEditor::specs() const {
    QStringList specs;
    if (automatic_) return specs;
    for (int row = 0; row < table_->rowCount(); ++row) {
        const auto* dtype = qobject_cast<QComboBox*>(table_->cellWidget(row, DtypeColumn));
        specs << table_->item(row, ShapeColumn)->text().trimmed() + QLatin1Char(':') + (dtype ? dtype->currentText() : QString());
    }
    return specs;
}

void InputsEditor::accept() {
    const QStringList all = specs();
    for (int row = 0; row < all.size(); ++row) {
        // Specs make tensors: an argument of another type (a Dict, a List, a class) cannot take one.
        const QString type = table_->item(row, TypeColumn)->text();
        if (!type.isEmpty() && !type.contains(QLatin1String("Tensor")) ) {
            problem_->setText(tr("%1 is a %2, not a tensor: its sample value cannot be given as a shape.")
                                  .arg(table_->item(row, ArgumentColumn)->text(), type));
            return;
        }
        if (type.startsWith(QLatin1String("Dict")) || type.startsWith(QLatin1String("List"))) {
            problem_->setText(tr("%1 is a %2: its sample value cannot be given as a shape.")
                                  .arg(table_->item(row, ArgumentColumn)->text(), type));
            return;
        }
        try {
            ptl::parseInputSpec(all[row].toStdString());
        } catch (const std::invalid_argument& error) {
            problem_->setText(tr("%1: %2").arg(table_->item(row, ArgumentColumn)->text(), QString::fromUtf8(error.what())));
            return;
        }
    }
    QDialog::accept();
}

QStringList InputsEditor::storedSpecs(const QString& modelPath) {
    return QSettings().value(settingsKey(modelPath)).toStringList();
}

void InputsEditor::storeSpecs(const QString& modelPath, const QStringList& specs) {
    QSettings().setValue(settingsKey(modelPath), specs);
}

}  // namespace ptl::ui
