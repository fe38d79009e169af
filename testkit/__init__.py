"""What the tests and the benchmarks share: fake servers of the real protocols (`testkit.fakes`)
and the labelled evaluation sets' readers and scores (`real_set`, `native_eval`,
`editorial_metrics`). No product code imports it."""
