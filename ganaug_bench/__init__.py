"""The benchmark harness of ganaug, shipped beside the library but never imported by it.

``import ganaug`` does not import this package; ``ganaug bench`` imports it when it runs.

- :mod:`ganaug_bench.record`: the run record every benchmark writes (command, date,
  device, versions, code commit) and the process's memory readings;
- :mod:`ganaug_bench.stats`: mean ± std, paired differences with a 95 % t-interval and
  the Wilcoxon signed-rank test;
- :mod:`ganaug_bench.markdown`: Markdown tables;
- :mod:`ganaug_bench.digits`, :mod:`ganaug_bench.digits_report`: the main job,
  ``ganaug bench`` on long-tailed digits;
- :mod:`ganaug_bench.cifar10`: the CIFAR-10 benchmark (``ganaug bench --dataset
  cifar10-lt``, ``python -m ganaug_bench.cifar10``).
"""
