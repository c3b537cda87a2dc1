// Headless Chromium as a reader opens a review report: offline, a fresh profile each time, the
// console on stderr. Shared by the CLI's and the window's report tests.
#pragma once

#include "support/process_run.h"

#include <QByteArrayList>
#include <QColor>
#include <QImage>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUrl>

namespace ptl::test {

// Empty when Debian's chromium is not installed (./build.sh test installs it).
inline QString chromiumExecutable() { return QStandardPaths::findExecutable(QStringLiteral("chromium")); }

// One headless run on a local HTML file; `extra` says what to do (--dump-dom, --screenshot=...,
// --print-to-pdf=...).
inline Run runChromium(const QString& html, const QStringList& extra) {
    QTemporaryDir profile;
    QStringList arguments{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          "--user-data-dir=" + profile.path(), "--enable-logging=stderr", "--v=0",
                          // a screenshot of the whole page painted, not of the first tiles
                          "--run-all-compositor-stages-before-draw"};
    arguments += extra;
    arguments << QUrl::fromLocalFile(html).toString();
    return runProcess(chromiumExecutable(), arguments, 60000);
}

// What the page wrote to the console (script errors, refused requests): Chromium logs each as
// an INFO:CONSOLE line.
inline QByteArrayList consoleMessages(const Run& run) {
    QByteArrayList messages;
    for (const QByteArray& line : run.err.split('\n'))
        if (line.contains(":CONSOLE")) messages << line;
    return messages;
}

// The review report's sections, in the order the page shows them.
inline QStringList reviewReportSections() {
    return {"verdict", "summary", "findings", "export-readiness", "sweep", "variants", "integration", "reproducibility"};
}

// The sections of `sections` the page has no <section id="..."> for.
inline QStringList missingSections(const QByteArray& dom, const QStringList& sections) {
    QStringList missing;
    for (const QString& section : sections)
        if (!dom.contains(QStringLiteral("<section id=\"%1\">").arg(section).toUtf8())) missing << section;
    return missing;
}

// Pixels darker than the page (text, rules, banners), sampled every fourth pixel: a blank or
// unstyled page has few.
inline int inkPixels(const QImage& image) {
    int ink = 0;
    for (int y = 0; y < image.height(); y += 4)
        for (int x = 0; x < image.width(); x += 4)
            if (image.pixelColor(x, y).lightness() < 200) ++ink;
    return ink;
}

// Sampled pixels of this colour (within 8 per channel) in the top `rows` rows.
inline int pixelsOfColour(const QImage& image, QColor colour, int rows) {
    int count = 0;
    for (int y = 0; y < std::min(rows, image.height()); y += 4)
        for (int x = 0; x < image.width(); x += 4) {
            const QColor pixel = image.pixelColor(x, y);
            if (qAbs(pixel.red() - colour.red()) < 8 && qAbs(pixel.green() - colour.green()) < 8 &&
                qAbs(pixel.blue() - colour.blue()) < 8)
                ++count;
        }
    return count;
}

}  // namespace ptl::test
