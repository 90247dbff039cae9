"""What the tests, the rehearsal and the benchmarks all start: servers, processes, the image.

Product code: it never imports ``tests``.
"""
