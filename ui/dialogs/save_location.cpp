#include "dialogs/save_location.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>

namespace ptl::ui {

QString saveFolderFor(const QString& modelPath, const QString& settingsKey) {
    const QString last = QSettings().value(settingsKey).toString();
    if (!last.isEmpty() && QFileInfo(last).isDir()) return last;
    const QString modelFolder = QFileInfo(modelPath).absolutePath();
    const QString cache = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
    if (!modelPath.isEmpty() && QDir(modelFolder) != QDir(cache)) return modelFolder;
    const QString documents = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    return QFileInfo(documents).isDir() ? documents : QDir::homePath();
}

void rememberSaveFolder(const QString& settingsKey, const QString& savedPath) {
    QSettings().setValue(settingsKey, QFileInfo(savedPath).absolutePath());
}

QString withDefaultSuffix(const QString& path, const QString& suffix) {
    return QFileInfo(path).suffix().isEmpty() ? path + suffix : path;
}

}  // namespace ptl::ui
