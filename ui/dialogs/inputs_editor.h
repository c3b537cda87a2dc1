// The sample inputs of forward, editable: shape and dtype per argument, prefilled from the given,
// bundled or inferred inputs (saying which). Inspect, convert and bench use what is set here; the
// window remembers it per model.
#pragma once

#include "ptl/report.h"

#include <QDialog>
#include <QStringList>

#include <vector>

class QLabel;
class QTableWidget;

namespace ptl::ui {

class InputsEditor : public QDialog {
    Q_OBJECT
public:
    // inputs: forward's arguments as the last inspection saw them; specs: the user's earlier ones.
    InputsEditor(const std::vector<ptl::InputInfo>& inputs, const QStringList& specs, QWidget* parent = nullptr);

    QStringList specs() const;  // "1x3x224x224:float32", one per row; empty: automatic inputs
    QTableWidget* table() const { return table_; }
    void accept() override;     // refuses specs that do not parse, saying which

    // Remembered per model file (QSettings).
    static QStringList storedSpecs(const QString& modelPath);
    static void storeSpecs(const QString& modelPath, const QStringList& specs);

private:
    QTableWidget* table_ = nullptr;
    QLabel* problem_ = nullptr;
    bool automatic_ = false;
};

// "1x3x224x224:float32" for an input as inspected.
QString specOf(const ptl::InputInfo& input);

}  // namespace ptl::ui
