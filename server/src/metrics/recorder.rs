//! The process's one Prometheus recorder, installed by the first call.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Histogram buckets of the durations, in seconds: 1 ms to 10 s.
const SECONDS_BUCKETS: [f64; 13] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The recorder's handle, which renders what was recorded. The first call
/// installs it as the global recorder: each test starts several apps in
/// one process, and one recorder serves them all. Every metric whose name
/// ends in `_seconds` is a histogram with [`SECONDS_BUCKETS`]. If another
/// recorder was installed before, this one renders nothing and a warning
/// is logged.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), &SECONDS_BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if let Err(err) = metrics::set_global_recorder(recorder) {
            tracing::warn!(error = %err, "another metrics recorder is installed; /metrics will be empty");
        }
        handle
    })
}
