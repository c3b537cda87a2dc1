// The source ranges of a code/*.debug_pkl record, read the way LibTorch 1.13 reads them
// (serialization/source_range_serialization.cpp): its deserializer indexes the string table with
// the record's numbers and keeps start/end as given, unchecked, and the graph code later reads
// the text at those places. A damaged record is found here, before LibTorch loads the file.
#pragma once

#include "load/pickle_scan.h"

#include <string>

namespace ptl::detail {

// Empty when every record is (offset, (source, start, end)[, tag]) with its text indices inside the
// string table and 0 <= start <= end <= the source's length; otherwise one line naming the problem.
std::string debugRecordProblem(const PickleValue& debugInfo);

}  // namespace ptl::detail
