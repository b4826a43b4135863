//! sweep: histograms over seed ranges, identical for any --jobs, consistent with explore.
