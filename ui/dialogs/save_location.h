// Where the window's save dialogs start, and the suffix a typed name gets.
#pragma once

#include <QString>

namespace ptl::ui {

// The folder last saved to under `settingsKey`, else the model's folder; never the cache folder
// that holds the embedded demo's copy, which is no place for a user's file (then Documents).
QString saveFolderFor(const QString& modelPath, const QString& settingsKey);
void rememberSaveFolder(const QString& settingsKey, const QString& savedPath);

// "review" -> "review.html"; a name that has a suffix is kept as typed.
QString withDefaultSuffix(const QString& path, const QString& suffix);

}  // namespace ptl::ui
