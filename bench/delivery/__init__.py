"""Helpers of bench/delivery_bench.py: processes (cluster), the client (listeners), the
producer, CPU accounting (procs) and the step verdicts and tables (report)."""
