// ptl-studio: the desktop application. `ptl-studio [MODEL]` opens MODEL (or the embedded demo);
// `--screenshot FILE.png` renders the window once the model is shown, saves it and exits;
// `--dark` uses a dark palette where the desktop offers none.
#include "dark_palette.h"
#include "main_window.h"
#include "ptl/version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QPalette>
#include <QStyleFactory>
#include <QTimer>

int main(int argc, char** argv) {
    Q_INIT_RESOURCE(resources);  // the demo model, compiled into the static ui library
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("PTL Studio"));
    QApplication::setOrganizationName(QStringLiteral("PTL Studio"));
    QApplication::setApplicationVersion(QStringLiteral(PTL_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Inspect TorchScript (.pt) and Lite Interpreter (.ptl) models (graph, findings, weights), convert "
        "them for PyTorch Mobile and export a verified .ptl."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"), QStringLiteral("Model to open (default: the demo model)"),
                                 QStringLiteral("[MODEL]"));
    QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                  QStringLiteral("Render the window once the model is shown, save it and exit."),
                                  QStringLiteral("FILE.png"));
    parser.addOption(screenshot);
    QCommandLineOption convert(QStringLiteral("convert"),
                               QStringLiteral("Once the model is shown, convert it (none, dynamic or static) as the "
                                              "Convert dock would; with --screenshot, the picture shows the variant."),
                               QStringLiteral("MODE"));
    parser.addOption(convert);
    QCommandLineOption sweep(QStringLiteral("sweep"),
                             QStringLiteral("Once the model is shown, run a shape sweep (SPEC as for ptl-studio-cli inspect "
                                            "--sweep; \"\" derives the shapes from the sample inputs)."),
                             QStringLiteral("SPEC"));
    parser.addOption(sweep);
    QCommandLineOption compare(QStringLiteral("compare"),
                               QStringLiteral("Once the model is shown, compare it with OTHER (Compare dock)."),
                               QStringLiteral("OTHER"));
    parser.addOption(compare);
    QCommandLineOption dark(QStringLiteral("dark"),
                            QStringLiteral("Use a dark palette (by default the window follows the desktop's palette)."));
    parser.addOption(dark);
    parser.process(app);
    if (parser.isSet(dark)) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(ptl::ui::darkPalette());
    }

    ptl::ui::MainWindow window;
    if (parser.isSet(screenshot)) {
        window.screenshotWhenReady(parser.value(screenshot));
        window.setProperty("quietErrors", true);
        // A model that never shows must not leave a headless run hanging.
        QTimer::singleShot(120000, &app, [] { QApplication::exit(2); });
    }
    if (parser.isSet(convert)) window.convertWhenShown(parser.value(convert));
    if (parser.isSet(sweep)) window.sweepWhenShown(parser.value(sweep));
    if (parser.isSet(compare)) window.compareWhenShown(parser.value(compare));
    window.show();
    const QStringList models = parser.positionalArguments();
    if (models.isEmpty())
        window.openDemo();
    else
        window.openModel(models.front());
    return app.exec();
}
