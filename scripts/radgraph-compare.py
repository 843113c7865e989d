"""Reference RadGraph rewards for scripts/radgraph-compare.

Loads the rewards module of the radgraph package (installed by the script)
by its file path, so that none of the package's model dependencies are
imported, and computes compute_reward(hypothesis, reference, "all") for
every pair of two annotation files (JSON Lines, paired by id). Writes
{"id", "simple", "partial", "complete"} per pair to standard output and, to
standard error, the wall-clock and CPU time of reading the files and
computing the rewards, and of the reward computation alone.
"""
import importlib.util
import json
import sys
import time


def main():
    rewards_path, ref_path, hyp_path = sys.argv[1:4]
    spec = importlib.util.spec_from_file_location("radgraph_rewards", rewards_path)
    rewards = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rewards)

    start_all, cpu_all = time.perf_counter(), time.process_time()
    with open(ref_path, encoding="utf-8") as f:
        refs = [json.loads(line) for line in f if line.strip()]
    with open(hyp_path, encoding="utf-8") as f:
        hyps = {a["id"]: a for a in (json.loads(line) for line in f if line.strip())}

    start, cpu = time.perf_counter(), time.process_time()
    out = [(ref["id"], rewards.compute_reward(hyps[ref["id"]], ref, "all")) for ref in refs]
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    all_s, all_cpu = time.perf_counter() - start_all, time.process_time() - cpu_all

    write = sys.stdout.write
    for pid, (simple, partial, complete) in out:
        write(json.dumps({"id": pid, "simple": simple, "partial": partial, "complete": complete}) + "\n")
    sys.stderr.write(json.dumps({"read_rewards_s": all_s, "read_rewards_cpu_s": all_cpu,
                                 "rewards_s": elapsed, "rewards_cpu_s": cpu, "pairs": len(out)}) + "\n")


if __name__ == "__main__":
    main()
