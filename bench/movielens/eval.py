#!/usr/bin/env python3
"""MovieLens-100K replayed as swipes: split, baselines, scoring (issue 14).

Protocol: docs/recommender-evaluation.md. Two sub-commands:

  eval.py split --data DIR --out DIR
      reads ml-100k.inter / ml-100k.item, writes <out>/items.csv and
      <out>/<regime>/{swipes,heldout}.csv for regime in warm, cold.
  eval.py score --split DIR [--ranking NAME=REGIME:FILE ...] [--md FILE]
      computes the baselines (random, popularity, item-kNN, ALS) from the split,
      scores them and every external ranking file (CSV user,item,rank) with the same
      code, prints a markdown table (and writes it to --md).
  eval.py traits --split DIR --regime R --vectors FILE --learnt FILE [--md FILE]
      the learnt traits (issue 14 point 4): replays each person's swipes over the
      product affinities the extension stored (vectors: item,a1..a5) with 0.2.0's rule
      and with the centred rule, checks the centred replay against the learning state
      the trigger wrote (learnt: user,s1..s5,swipes,likes,dislikes), and reports the
      AUC of each at ranking the person's later-rated movies (liked >= 4 vs not) and
      the mean trait score as swipes accumulate (drift).
"""
import argparse
import csv
import math
import os
import sys
from collections import defaultdict

import numpy as np
import scipy.sparse as sp

REGIMES = ("warm", "cold")
COLD_SWIPES = 20
WARM_SHARE = 0.8
TOP = 10
SEED = 14
KNN_NEIGHBOURS = 100
ALS_FACTORS = 64


def direction(rating):
    if rating >= 4:
        return "right"
    if rating <= 2:
        return "left"
    return "down"


# ---------------------------------------------------------------------------------------
# split
# ---------------------------------------------------------------------------------------

def read_tsv(path):
    with open(path, encoding="latin-1") as f:
        header = f.readline().rstrip("\n").split("\t")
        names = [h.split(":")[0] for h in header]
        for line in f:
            parts = line.rstrip("\n").split("\t")
            yield dict(zip(names, parts))


def split(args):
    inter = os.path.join(args.data, "ml-100k.inter")
    item = os.path.join(args.data, "ml-100k.item")
    by_user = defaultdict(list)
    for r in read_tsv(inter):
        by_user[int(r["user_id"])].append(
            (int(float(r["timestamp"])), int(r["item_id"]), int(float(r["rating"]))))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "items.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item", "category", "tags"])
        for r in read_tsv(item):
            genres = [g for g in r.get("class", "").split(" ") if g] or ["unknown"]
            w.writerow([int(r["item_id"]), genres[0], "|".join(g.lower() for g in genres)])
    for regime in REGIMES:
        d = os.path.join(args.out, regime)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "swipes.csv"), "w", newline="") as fs, \
                open(os.path.join(d, "heldout.csv"), "w", newline="") as fh:
            ws, wh = csv.writer(fs), csv.writer(fh)
            ws.writerow(["user", "item", "direction", "rating", "ts", "seq"])
            wh.writerow(["user", "item", "rating", "ts"])
            for u in sorted(by_user):
                rows = sorted(by_user[u])  # time order, ties by item id
                n = len(rows)
                cut = int(math.floor(WARM_SHARE * n)) if regime == "warm" else min(COLD_SWIPES, n)
                for seq, (ts, i, r) in enumerate(rows[:cut]):
                    ws.writerow([u, i, direction(r), r, ts, seq])
                for ts, i, r in rows[cut:]:
                    wh.writerow([u, i, r, ts])
    print(f"split: {len(by_user)} persons written to {args.out}", file=sys.stderr)


# ---------------------------------------------------------------------------------------
# score
# ---------------------------------------------------------------------------------------

class Split:
    def __init__(self, root, regime):
        self.items = {}
        with open(os.path.join(root, "items.csv")) as f:
            for r in csv.DictReader(f):
                self.items[int(r["item"])] = (r["category"], frozenset(r["tags"].split("|")))
        self.swiped = defaultdict(set)
        self.likes = []  # (user, item)
        with open(os.path.join(root, regime, "swipes.csv")) as f:
            for r in csv.DictReader(f):
                u, i = int(r["user"]), int(r["item"])
                self.swiped[u].add(i)
                if r["direction"] in ("right", "up"):
                    self.likes.append((u, i))
        self.relevant = defaultdict(set)
        with open(os.path.join(root, regime, "heldout.csv")) as f:
            for r in csv.DictReader(f):
                if int(r["rating"]) >= 4:
                    self.relevant[int(r["user"])].add(int(r["item"]))
        self.users = sorted(u for u in self.swiped if self.relevant.get(u))
        self.item_ids = sorted(self.items)
        self.n_users = max(self.swiped) + 1
        self.n_items = max(self.item_ids) + 1
        rows, cols = zip(*self.likes)
        self.ui = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                shape=(self.n_users, self.n_items))
        self.ui.sum_duplicates()
        self.ui.data[:] = 1.0
        mask = np.zeros(self.n_items, dtype=bool)
        mask[self.item_ids] = True
        self.known = mask

    def top_from_scores(self, u, scores):
        """Top 10 candidates of person u from a dense score vector (ties: item id)."""
        s = scores.astype(np.float64).copy()
        s[~self.known] = -np.inf
        s[list(self.swiped[u])] = -np.inf
        # stable order: by score desc, then item id asc
        cand = np.argpartition(-s, TOP + 50)[:TOP + 50]
        cand = sorted(cand, key=lambda i: (-s[i], i))
        return [int(i) for i in cand if np.isfinite(s[i])][:TOP]


def baseline_random(sp_):
    rng = np.random.default_rng(SEED)
    out = {}
    for u in sp_.users:
        cand = [i for i in sp_.item_ids if i not in sp_.swiped[u]]
        out[u] = [int(x) for x in rng.choice(cand, size=TOP, replace=False)]
    return out


def baseline_popularity(sp_):
    pop = np.asarray(sp_.ui.sum(axis=0)).ravel()
    return {u: sp_.top_from_scores(u, pop) for u in sp_.users}


def baseline_knn(sp_):
    scores = knn_scores(sp_)
    return {u: sp_.top_from_scores(u, scores[u]) for u in sp_.users}


def knn_scores(sp_):
    x = sp_.ui.tocsc().astype(np.float64)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())
    norms[norms == 0] = 1.0
    sim = (x.T @ x).tocsr()
    sim = sp.diags(1.0 / norms) @ sim @ sp.diags(1.0 / norms)
    sim = sim.tolil()
    sim.setdiag(0)
    sim = sim.tocsr()
    sim.eliminate_zeros()
    # keep the 100 nearest neighbours of each item (row i: neighbours j of i)
    rows, cols, vals = [], [], []
    for i in range(sim.shape[0]):
        lo, hi = sim.indptr[i], sim.indptr[i + 1]
        if hi == lo:
            continue
        d, c = sim.data[lo:hi], sim.indices[lo:hi]
        if len(d) > KNN_NEIGHBOURS:
            keep = np.argpartition(-d, KNN_NEIGHBOURS)[:KNN_NEIGHBOURS]
            d, c = d[keep], c[keep]
        rows.extend([i] * len(d))
        cols.extend(c.tolist())
        vals.extend(d.tolist())
    top = sp.csr_matrix((vals, (rows, cols)), shape=sim.shape)
    return (sp_.ui.astype(np.float64) @ top).toarray()


def baseline_als(sp_):
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from implicit.als import AlternatingLeastSquares
    model = AlternatingLeastSquares(factors=ALS_FACTORS, random_state=SEED, num_threads=2)
    model.fit(sp_.ui, show_progress=False)
    uf = np.asarray(model.user_factors)
    itf = np.asarray(model.item_factors)
    if hasattr(uf, "to_numpy"):
        uf, itf = uf.to_numpy(), itf.to_numpy()
    return {u: sp_.top_from_scores(u, itf @ uf[u]) for u in sp_.users}


def read_ranking(path, sp_):
    per = defaultdict(list)
    with open(path) as f:
        for r in csv.DictReader(f):
            per[int(r["user"])].append((int(r["rank"]), int(r["item"])))
    out = {}
    for u, lst in per.items():
        lst.sort()
        items = [i for _, i in lst][:TOP]
        bad = [i for i in items if i in sp_.swiped[u]]
        if bad:
            raise SystemExit(f"{path}: person {u} is shown swiped items {bad[:3]}")
        out[u] = items
    return out


def metrics(sp_, ranking):
    p, ndcg, hr, ild, share = [], [], [], [], []
    shown = set()
    for u in sp_.users:
        top = ranking.get(u, [])[:TOP]
        rel = sp_.relevant[u]
        hits = [1 if i in rel else 0 for i in top]
        p.append(sum(hits) / TOP)
        dcg = sum(h / math.log2(k + 2) for k, h in enumerate(hits))
        idcg = sum(1 / math.log2(k + 2) for k in range(min(len(rel), TOP)))
        ndcg.append(dcg / idcg if idcg else 0.0)
        hr.append(1.0 if any(hits) else 0.0)
        shown.update(top)
        g = [sp_.items[i][1] for i in top if i in sp_.items]
        pairs = [(a, b) for k, a in enumerate(g) for b in g[k + 1:]]
        if pairs:
            ild.append(1 - sum(len(a & b) / len(a | b) for a, b in pairs) / len(pairs))
        if top:
            share.append(len({sp_.items[i][0] for i in top if i in sp_.items}) / TOP)
    n = len(sp_.item_ids)
    return {
        "P@10": np.mean(p), "NDCG@10": np.mean(ndcg), "HR@10": np.mean(hr),
        "coverage": len(shown) / n, "ILD": np.mean(ild) if ild else 0.0,
        "genres": np.mean(share) if share else 0.0, "persons": len(sp_.users),
    }


def score(args):
    external = defaultdict(list)
    for spec in args.ranking or []:
        name, rest = spec.split("=", 1)
        regime, path = rest.split(":", 1)
        external[regime].append((name, path))
    lines = ["| regime | policy | P@10 | NDCG@10 | HR@10 | coverage | ILD | main genres |",
             "|---|---|---|---|---|---|---|---|"]
    for regime in REGIMES:
        sp_ = Split(args.split, regime)
        policies = []
        if not args.no_baselines:
            policies += [("random", baseline_random(sp_)),
                         ("popularity", baseline_popularity(sp_)),
                         ("item-kNN (cosine, 100)", baseline_knn(sp_)),
                         ("ALS (implicit, 64)", baseline_als(sp_))]
        policies += [(name, read_ranking(path, sp_)) for name, path in external[regime]]
        for name, ranking in policies:
            m = metrics(sp_, ranking)
            lines.append(f"| {regime} ({m['persons']}) | {name} | {m['P@10']:.3f} | "
                         f"{m['NDCG@10']:.3f} | {m['HR@10']:.3f} | {m['coverage']:.3f} | "
                         f"{m['ILD']:.3f} | {m['genres']:.3f} |")
            print(lines[-1], flush=True)
    if args.md:
        with open(args.md, "w") as f:
            f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------
# traits (issue 14 point 4)
# ---------------------------------------------------------------------------------------

RATE = 0.05  # personality.learning_rate's default
STRENGTH = {"right": 1.0, "up": 1.5, "left": 1.0}


def learn(scores, aff, direction, counts, centred):
    """One swipe, as personality_core::learning::learn (centred) / learn_0_2_0."""
    if direction not in STRENGTH or not any(a > 0 for a in aff):
        return scores
    likes, dislikes = counts
    r = (likes + 1.0) / (likes + dislikes + 2.0)
    step = RATE * STRENGTH[direction]
    out = []
    if direction == "left":
        w = 2.0 * r if centred else 1.0
        out = [min(100.0, max(0.0, s - w * step * a * s)) for s, a in zip(scores, aff)]
        counts[1] += 1
    else:
        w = 2.0 * (1.0 - r) if centred else 1.0
        out = [min(100.0, max(0.0, s + w * step * a * (100.0 - s))) for s, a in zip(scores, aff)]
        counts[0] += 1
    return out


def predict(scores, aff):
    tot = sum(aff)
    return sum(a * s / 100.0 for a, s in zip(aff, scores)) / tot if tot > 0 else 0.5


def auc(pos, neg):
    """P(score of a random positive > a random negative), ties count one half."""
    if not pos or not neg:
        return None
    allv = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg])
    # average ranks over ties
    rank_sum, i, n = 0.0, 0, len(allv)
    while i < n:
        j = i
        while j < n and allv[j][0] == allv[i][0]:
            j += 1
        avg = (i + j + 1) / 2.0  # 1-based average rank of positions i..j-1
        rank_sum += avg * sum(1 for k in range(i, j) if allv[k][1] == 1)
        i = j
    npos, nneg = len(pos), len(neg)
    return (rank_sum - npos * (npos + 1) / 2.0) / (npos * nneg)


def traits(args):
    vec = {}
    with open(args.vectors) as f:
        for r in csv.DictReader(f):
            vec[int(r["item"])] = [float(r[f"a{k}"]) for k in range(1, 6)]
    learnt = {}
    with open(args.learnt) as f:
        for r in csv.DictReader(f):
            learnt[int(r["user"])] = r
    swipes = defaultdict(list)
    with open(os.path.join(args.split, args.regime, "swipes.csv")) as f:
        for r in csv.DictReader(f):
            swipes[int(r["user"])].append((int(r["ts"]), int(r["seq"]), int(r["item"]), r["direction"]))
    later = defaultdict(list)
    with open(os.path.join(args.split, args.regime, "heldout.csv")) as f:
        for r in csv.DictReader(f):
            later[int(r["user"])].append((int(r["item"]), int(r["rating"])))
    checkpoints = (0, 10, 20, 50, 100, 200, 400)
    drift = {rule: defaultdict(list) for rule in ("0.2.0", "centred")}
    aucs = {rule: [] for rule in ("0.2.0", "centred", "trigger")}
    final_means = {rule: [] for rule in ("0.2.0", "centred", "trigger")}
    max_diff = 0.0
    for u in sorted(swipes):
        rows = sorted(swipes[u])
        res = {}
        for rule, centred in (("0.2.0", False), ("centred", True)):
            s, counts = [50.0] * 5, [0, 0]
            for k, (_, _, item, d) in enumerate(rows):
                if k in checkpoints:
                    drift[rule][k].append(sum(s) / 5)
                s = learn(s, vec.get(item, [0.0] * 5), d, counts, centred)
            drift[rule]["end"].append(sum(s) / 5)
            res[rule] = s
        if u in learnt:
            t = [float(learnt[u][f"s{k}"]) for k in range(1, 6)]
            res["trigger"] = t
            max_diff = max(max_diff, max(abs(a - b) for a, b in zip(t, res["centred"])))
        for rule, s in res.items():
            final_means[rule].append(sum(s) / 5)
            pos = [predict(s, vec[i]) for i, r in later[u] if i in vec and sum(vec[i]) > 0 and r >= 4]
            neg = [predict(s, vec[i]) for i, r in later[u] if i in vec and sum(vec[i]) > 0 and r < 4]
            a = auc(pos, neg)
            if a is not None:
                aucs[rule].append(a)
    lines = [f"Learnt traits, {args.regime} ({len(swipes)} persons; replayed over the extension's "
             f"stored affinities; the trigger's state differs from the centred replay by at most "
             f"{max_diff:.2g} points)", "",
             "| rule | AUC later liked vs not (mean over persons) | persons | mean trait score at the end |",
             "|---|---|---|---|"]
    for rule, label in (("0.2.0", "0.2.0 (replayed)"), ("centred", "centred (replayed)"),
                        ("trigger", "centred, as the trigger learnt it (SQL)")):
        if aucs[rule]:
            lines.append(f"| {label} | {np.mean(aucs[rule]):.3f} | {len(aucs[rule])} | "
                         f"{np.mean(final_means[rule]):.1f} |")
    lines += ["", "Mean trait score after k swipes (persons with at least k swipes):", "",
              "| rule | " + " | ".join(f"k={k}" for k in checkpoints) + " | end |",
              "|---|" + "---|" * (len(checkpoints) + 1)]
    for rule in ("0.2.0", "centred"):
        cells = [f"{np.mean(drift[rule][k]):.1f}" if drift[rule][k] else "" for k in checkpoints]
        cells.append(f"{np.mean(drift[rule]['end']):.1f}")
        lines.append(f"| {rule} | " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    print(text, flush=True)
    if args.md:
        with open(args.md, "w") as f:
            f.write(text + "\n")


def later_auc(args):
    """Issue 23's second protocol: how well each policy orders a person's own later-rated
    items (liked >= 4 vs not), which isolates the final score from candidate
    generation. The extension's order is its full list (personality_recommend(person,
    1000)): a later item it lists ranks by its place, one it does not list ties below.
    Mean of the per-person AUC over persons with both kinds of later items."""
    sp_ = Split(args.split, args.regime)
    later = defaultdict(list)
    with open(os.path.join(args.split, args.regime, "heldout.csv")) as f:
        for r in csv.DictReader(f):
            later[int(r["user"])].append((int(r["item"]), int(r["rating"])))
    pop = np.asarray(sp_.ui.sum(axis=0)).ravel().astype(np.float64)
    knn = knn_scores(sp_)
    policies = {"popularity": lambda u, i: pop[i], "item-kNN (cosine, 100)": lambda u, i: knn[u, i]}
    for spec in args.ranking or []:
        name, path = spec.split("=", 1)
        rank = defaultdict(dict)
        with open(path) as f:
            for r in csv.DictReader(f):
                rank[int(r["user"])][int(r["item"])] = int(r["rank"])
        policies[name] = (lambda rk: lambda u, i: -rk[u].get(i, 10 ** 9))(rank)
    lines = [f"Own later items, {args.regime}: mean per-person AUC (liked >= 4 vs not)", "",
             "| policy | AUC | persons |", "|---|---|---|"]
    for name, fn in policies.items():
        aucs = []
        for u, rows in later.items():
            if u >= sp_.n_users:
                continue
            pos = [fn(u, i) for i, r in rows if r >= 4 and i < sp_.n_items]
            neg = [fn(u, i) for i, r in rows if r < 4 and i < sp_.n_items]
            a = auc(pos, neg)
            if a is not None:
                aucs.append(a)
        lines.append(f"| {name} | {np.mean(aucs):.3f} | {len(aucs)} |")
    text = "\n".join(lines)
    print(text, flush=True)
    if args.md:
        with open(args.md, "w") as f:
            f.write(text + "\n")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("split")
    a.add_argument("--data", required=True)
    a.add_argument("--out", required=True)
    b = sub.add_parser("score")
    b.add_argument("--split", required=True)
    b.add_argument("--ranking", action="append")
    b.add_argument("--md")
    b.add_argument("--no-baselines", action="store_true")
    c = sub.add_parser("traits")
    c.add_argument("--split", required=True)
    c.add_argument("--regime", required=True, choices=REGIMES)
    c.add_argument("--vectors", required=True)
    c.add_argument("--learnt", required=True)
    c.add_argument("--md")
    d = sub.add_parser("auc")
    d.add_argument("--split", required=True)
    d.add_argument("--regime", required=True, choices=REGIMES)
    d.add_argument("--ranking", action="append")
    d.add_argument("--md")
    args = ap.parse_args()
    {"split": split, "score": score, "traits": traits, "auc": later_auc}[args.cmd](args)


if __name__ == "__main__":
    main()
