#!/usr/bin/env python3
"""Helpers of scripts/measure-radiology: turn the IU X-ray reports into
kgeval documents, summarize extracted graphs, score them against the hand
annotations, and compare metrics on the radiologist orderings.

Standard library only. Every subcommand reads files named on its command
line and prints a small report (or JSON Lines for `docs` and `repeat`).

  measure-radiology.py docs IU_DIR                  IU reports as {"id","text"} lines
  measure-radiology.py repeat FILE N                N documents cycling FILE, ids made unique
  measure-radiology.py coverage GRAPHS              findings and entities per report
  measure-radiology.py prf GRAPHS ANNOTATIONS       precision and recall of findings and assertions
  measure-radiology.py orderings ORDERINGS SCORES   orderings held by kgeval overall and text overlap

A "finding" is an entity of an anchor type of the radiology ontology:
disorder, device or procedure. Body parts, descriptors and sizes are not.
"""

import json
import math
import re
import sys
from collections import Counter

FINDING_TYPES = ("disorder", "device", "procedure")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def cmd_docs(iu_dir):
    """The report text (Findings and Impression) of every IU study, in the
    order of the two files (test, then valid)."""
    for name in ("ReXRank_IUXray_test.json", "ReXRank_IUXray_valid.json"):
        with open(f"{iu_dir}/{name}", encoding="utf-8") as f:
            studies = json.load(f)
        for study_id, s in studies.items():
            print(json.dumps({"id": study_id, "text": s["report"]}))


def cmd_repeat(path, n):
    docs = read_jsonl(path)
    for i in range(int(n)):
        d = docs[i % len(docs)]
        print(json.dumps({"id": f"{d['id']}#{i // len(docs)}", "text": d["text"]}))


def cmd_coverage(graphs_path):
    graphs = read_jsonl(graphs_path)
    n = len(graphs)
    with_finding = with_positive = entities = relations = 0
    by_type, by_assertion = Counter(), Counter()
    for g in graphs:
        ents = g["entities"]
        entities += len(ents)
        relations += len(g["relations"])
        findings = [e for e in ents if e["type"] in FINDING_TYPES]
        with_finding += bool(findings)
        with_positive += any(e["assertion"] != "absent" for e in findings)
        for e in ents:
            by_type[e["type"]] += 1
            if e["type"] in FINDING_TYPES:
                by_assertion[e["assertion"]] += 1
    print(f"reports: {n}")
    print(f"reports with at least one finding (any assertion): {with_finding} ({with_finding / n:.1%})")
    print(f"reports with at least one present or uncertain finding: {with_positive} ({with_positive / n:.1%})")
    print(f"entities per report: {entities / n:.2f}; relations per report: {relations / n:.2f}")
    print("entities per report by type: " + ", ".join(f"{t} {c / n:.2f}" for t, c in by_type.most_common()))
    total = sum(by_assertion.values()) or 1
    print("findings by assertion: " + ", ".join(f"{a} {c / total:.1%}" for a, c in by_assertion.most_common()))


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def cmd_prf(graphs_path, annotations_path):
    """Findings: the set of finding keys of a report, assertion aside.
    Assertions: the set of (key, assertion) pairs. Both micro-averaged over
    the annotated reports; assertion accuracy is over the keys found on
    both sides."""
    graphs = {g["id"]: g for g in read_jsonl(graphs_path)}
    anns = read_jsonl(annotations_path)
    k_tp = k_fp = k_fn = a_tp = a_fp = a_fn = agree = both = 0
    missed, invented, wrong = Counter(), Counter(), Counter()
    for a in anns:
        g = graphs.get(a["id"])
        if g is None:
            sys.exit(f"no graph for annotated report {a['id']}")
        gold = {(f["key"], f["assertion"]) for f in a["findings"]}
        got = {(e["key"], e["assertion"]) for e in g["entities"] if e["type"] in FINDING_TYPES}
        gk, ok = {k for k, _ in gold}, {k for k, _ in got}
        k_tp += len(gk & ok)
        k_fp += len(ok - gk)
        k_fn += len(gk - ok)
        a_tp += len(gold & got)
        a_fp += len(got - gold)
        a_fn += len(gold - got)
        for k in gk & ok:
            both += 1
            if {x for kk, x in gold if kk == k} == {x for kk, x in got if kk == k}:
                agree += 1
            else:
                wrong[k] += 1
        missed.update(gk - ok)
        invented.update(ok - gk)
    n = sum(len(a["findings"]) for a in anns)
    print(f"annotated reports: {len(anns)}, annotated findings: {n}")
    p, r, f = prf(k_tp, k_fp, k_fn)
    print(f"findings (keys):               precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}  (tp {k_tp}, fp {k_fp}, fn {k_fn})")
    p, r, f = prf(a_tp, a_fp, a_fn)
    print(f"findings with assertion:       precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}  (tp {a_tp}, fp {a_fp}, fn {a_fn})")
    print(f"assertion accuracy on found keys: {agree}/{both} ({agree / both if both else 0:.1%})")
    if missed:
        print("missed keys: " + ", ".join(f"{k} x{c}" for k, c in missed.most_common()))
    if invented:
        print("extra keys: " + ", ".join(f"{k} x{c}" for k, c in invented.most_common()))
    if wrong:
        print("keys with a wrong assertion: " + ", ".join(f"{k} x{c}" for k, c in wrong.most_common()))


# Text-overlap baselines on the orderings.

def words(s):
    return re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", s.lower())


def unigram_f1(ref, cand):
    r, c = Counter(words(ref)), Counter(words(cand))
    common = sum((r & c).values())
    if not common:
        return 0.0
    p, rec = common / sum(c.values()), common / sum(r.values())
    return 2 * p * rec / (p + rec)


def bleu(ref, cand, n=4):
    """Sentence BLEU-4 with add-one smoothing of the higher orders (Lin and
    Och's smoothing 2) and the brevity penalty."""
    r, c = words(ref), words(cand)
    if not c:
        return 0.0
    logs = 0.0
    for k in range(1, n + 1):
        rc = Counter(tuple(r[i:i + k]) for i in range(len(r) - k + 1))
        cc = Counter(tuple(c[i:i + k]) for i in range(len(c) - k + 1))
        match, total = sum((rc & cc).values()), max(len(c) - k + 1, 0)
        if k > 1:
            match, total = match + 1, total + 1
        if match == 0 or total == 0:
            return 0.0
        logs += math.log(match / total) / n
    bp = 1.0 if len(c) > len(r) else math.exp(1 - len(r) / len(c))
    return bp * math.exp(logs)


def rouge_l(ref, cand):
    """ROUGE-L F1 (beta 1) from the longest common subsequence of words."""
    r, c = words(ref), words(cand)
    if not r or not c:
        return 0.0
    prev = [0] * (len(c) + 1)
    for x in r:
        cur = [0]
        for j, y in enumerate(c):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    lcs = prev[-1]
    if not lcs:
        return 0.0
    p, rec = lcs / len(c), lcs / len(r)
    return 2 * p * rec / (p + rec)


def cmd_orderings(orderings_path, scores_path):
    """SCORES are kgeval score records (JSON Lines) for the pairs
    "<id>|better" and "<id>|worse" of every ordering."""
    overall = {}
    for rec in read_jsonl(scores_path):
        if "id" in rec:  # the results file may open with a run header
            overall[rec["id"]] = rec["scores"]["overall"] if rec.get("scores") else None
    metrics = {"kgeval overall": None, "unigram F1": unigram_f1, "BLEU-4": bleu, "ROUGE-L": rouge_l}
    held = Counter()
    ties = Counter()
    rows = []
    ords = read_jsonl(orderings_path)
    for o in ords:
        row = [o["id"]]
        for name, fn in metrics.items():
            if fn is None:
                b, w = overall[o["id"] + "|better"], overall[o["id"] + "|worse"]
            else:
                b, w = fn(o["reference"], o["better"]), fn(o["reference"], o["worse"])
            held[name] += b > w
            ties[name] += b == w
            row.append(f"{b:.3f}/{w:.3f}{'' if b > w else (' tie' if b == w else ' WRONG')}")
        rows.append(row)
    width = max(len(r[0]) for r in rows)
    print(f"{'ordering':<{width}}  " + "  ".join(f"{m:<22}" for m in metrics))
    for r in rows:
        print(f"{r[0]:<{width}}  " + "  ".join(f"{c:<22}" for c in r[1:]))
    print()
    for m in metrics:
        print(f"{m}: {held[m]}/{len(ords)} orderings held ({ties[m]} ties)")


def main():
    cmds = {"docs": cmd_docs, "repeat": cmd_repeat, "coverage": cmd_coverage, "prf": cmd_prf,
            "orderings": cmd_orderings}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
