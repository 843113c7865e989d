"""Reference RadGraph rewards for scripts/radgraph-compare.

Loads the rewards module of the radgraph package (installed by the script)
by its file path, so that none of the package's model dependencies are
imported, and computes compute_reward(hypothesis, reference, "all") for
every pair of two annotation files (JSON Lines, the same ids in the same
order). Writes {"id", "simple", "partial", "complete"} per pair to standard
output and, to standard error, the wall-clock and CPU time of reading the
files and computing the rewards, and of the reward computation alone.

The files are streamed a pair at a time, as kgeval's side reads them.
Loading every annotation first (as a list for F1RadGraph would be) makes
the reference slower per pair the larger the file, because Python's garbage
collector keeps walking the annotations already loaded (3 times slower per
pair at 20,000 pairs): streaming is the reference's best case.
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
    compute, clock = rewards.compute_reward, time.perf_counter

    out = []
    in_rewards = 0.0
    start_all, cpu_all = clock(), time.process_time()
    with open(ref_path, encoding="utf-8") as rf, open(hyp_path, encoding="utf-8") as hf:
        for n, (rl, hl) in enumerate(zip(rf, hf), 1):
            ref, hyp = json.loads(rl), json.loads(hl)
            if ref["id"] != hyp["id"]:
                sys.exit(f"line {n}: reference {ref['id']!r}, hypothesis {hyp['id']!r}: the files must list the same ids in order")
            t0 = clock()
            out.append((ref["id"], compute(hyp, ref, "all")))
            in_rewards += clock() - t0
    all_s, all_cpu = clock() - start_all, time.process_time() - cpu_all

    write = sys.stdout.write
    for pid, (simple, partial, complete) in out:
        write(json.dumps({"id": pid, "simple": simple, "partial": partial, "complete": complete}) + "\n")
    sys.stderr.write(json.dumps({"read_rewards_s": all_s, "read_rewards_cpu_s": all_cpu,
                                 "rewards_s": in_rewards, "pairs": len(out)}) + "\n")


if __name__ == "__main__":
    main()
