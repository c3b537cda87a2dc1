// The conversion variants of the open model, side by side in four QCustomPlot charts: file size
// per variant (stacked by the modules that hold the weights), latency on this host (p50, p10–p90
// and every run), per-layer quantization error (SQNR) of one variant, and size against latency.
// Every chart says what it measures and where, and hovering any mark gives its exact figures.
#pragma once

#include "convert/variant.h"

#include <QWidget>

#include <array>
#include <functional>
#include <map>
#include <vector>

class QCPAbstractPlottable;
class QCPItemLine;
class QCPItemText;
class QCPTextElement;
class QComboBox;
class QCustomPlot;
class QTabWidget;

namespace ptl::ui {

// Background, axes, grid and legend in the text and base colours of `palette`: any chart of the
// window follows a light or dark palette this way.
void applyPalette(QCustomPlot* plot, const QPalette& palette);

class VariantPlots : public QWidget {
    Q_OBJECT
public:
    // Chart indices, in tab order, for plot(), savePlot() and toolTipAt().
    enum Chart { SizeChart = 0, LatencyChart = 1, SqnrChart = 2, SizeLatencyChart = 3 };
    static constexpr int chartCount = 4;

    explicit VariantPlots(QWidget* parent = nullptr);
    ~VariantPlots() override;

    // Replaces the variants and redraws every chart. The SQNR chart keeps its variant when that
    // variant is still there with per-layer figures, else shows the latest one that has them.
    void setVariants(const std::vector<Variant>& variants);
    // The variant whose per-layer SQNR is shown; one without per-layer figures shows why not.
    void setSqnrVariant(int variantId);
    int sqnrVariant() const { return sqnrVariantId_; }  // -1 when none

    QCustomPlot* plot(int index) const;  // nullptr out of range
    // The hover text at a pixel of a chart ("" over nothing): what the tooltip shows.
    QString toolTipAt(int index, const QPointF& pixel) const;
    // Writes the chart by the path's suffix: .png, .svg or .pdf. On failure returns false with
    // the reason in *error (an unsupported suffix is refused before anything is written).
    bool savePlot(int index, const QString& path, QString* error);
    // The save dialog's name with the chosen filter's suffix appended when it has none
    // ("sizes", "SVG image (*.svg)" -> "sizes.svg").
    static QString withFilterSuffix(const QString& fileName, const QString& selectedFilter);

Q_SIGNALS:
    // A bar of the SQNR chart was clicked: the layer's module path ("" for the top module).
    void layerClicked(const QString& modulePath);

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    using TipFunction = std::function<QString(int dataIndex)>;
    struct ChartParts {
        QCustomPlot* plot = nullptr;
        QCPTextElement* title = nullptr;
        QCPTextElement* subtitle = nullptr;
        QCPTextElement* note = nullptr;  // below the chart, only while there is something to say
        std::map<const QCPAbstractPlottable*, TipFunction> tips;
    };

    QCustomPlot* makePlot(int index);
    QWidget* makeSqnrPage();
    QCustomPlot* resetChart(int index, const QString& title, const QString& subtitle);
    void setNote(int index, const QString& text);
    void showEmpty(int index, const QString& message);
    void addTip(int index, const QCPAbstractPlottable* plottable, TipFunction tip);
    void redrawAll();
    void drawSizes();
    void drawLatency();
    void drawSqnr();
    void drawSizeLatency();
    void placeTradeoffLabels();
    void updateSqnrChoices();
    void onSqnrClicked(QCPAbstractPlottable* plottable, int dataIndex);
    void saveWithDialog(int index);

    std::vector<Variant> variants_;
    int sqnrVariantId_ = -1;
    bool sqnrChosen_ = false;  // chosen by setSqnrVariant or the combo box, not by default
    std::vector<std::string> sqnrModules_;  // the SQNR chart's rows, by bar key
    // The size-vs-latency chart's names, placed in pixels after each layout so they never overlap.
    struct TradeoffLabel {
        QCPItemText* text = nullptr;
        QCPItemLine* leader = nullptr;  // shown when the name had to move away from its point
        double key = 0, value = 0;
    };
    std::vector<TradeoffLabel> tradeoffLabels_;
    std::array<ChartParts, chartCount> charts_;
    QTabWidget* tabs_ = nullptr;
    QComboBox* sqnrChoice_ = nullptr;
};

}  // namespace ptl::ui
