// QCustomPlot's header uses Qt's keyword macros (signals, slots, foreach), which this project
// switches off (QT_NO_KEYWORDS, because c10 uses `slots` as a name). Include it through here.
#pragma once

#define signals Q_SIGNALS
#define slots Q_SLOTS
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef foreach
#undef slots
#undef signals
