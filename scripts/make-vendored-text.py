#!/usr/bin/env python3
"""Rebuilds the small text sets vendored in lowrank-compress from the full corpora.

usage: make-vendored-text.py DATA_DIR OUT_DIR
DATA_DIR is what scripts/fetch-data.sh produced. Deterministic: same input, same output bytes.
  calibration.txt  one sentence a line, SOTU addresses 1790-1899 (3 per address)
  heldout.txt      one sentence a line, SOTU addresses 1900-1945 (7 per address, disjoint from calibration)
  sotu-party.tsv   label<TAB>text, 200 democrat + 200 republican passages of SOTU addresses 1981-2021 (disjoint
                   from both sets above): runs of consecutive whole sentences of 40-80 words, spread evenly over
                   the addresses of each party
  moby-dick-narrative.txt  out-of-domain evaluation: one sentence a line, 300 narrative sentences of Moby Dick
                   chapters 68-135 (the second half; epilogue excluded), taken only from paragraphs without quoted
                   speech, spread evenly over those chapters
  moby-dick-dialogue.txt   out-of-domain evaluation, a second register: 300 lines of quoted speech of Moby Dick
                   chapters 68-135 (the text between a pair of quotation marks within one paragraph, 4-40 words),
                   spread evenly over them
  mix.txt          the default calibration and distillation text: one sentence a line, every sentence (4-60 words)
                   of Moby Dick chapters 1-67, then as many SOTU sentences of the addresses 1790-1899 and
                   1946-1980, spread evenly over them. Disjoint by source from every evaluation set: the held-out
                   years (1900-1945), the party probe's (1981-2021) and Moby Dick chapters 68-135
Everything written is public domain (U.S. government works; Melville's Moby Dick, 1851). No SpamAssassin text is vendored: the e-mails'
copyright stays with their senders; LabelledTexts.spamAssassin(dir) reads that corpus from a fetched copy.
"""
import os, re, sys

ABBREVIATIONS = {"mr", "mrs", "dr", "st", "gen", "messrs", "no", "vs", "jr", "sr", "hon", "col", "capt", "lt"}


def sentences(text):
    text = re.sub(r"\s+", " ", text).strip()
    out, start = [], 0
    for m in re.finditer(r"[.!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z])", text):
        last_word = re.findall(r"(\w+)[.!?][\"')\]]*\s+$", text[start:m.end()])
        if last_word and (last_word[0].lower() in ABBREVIATIONS or len(last_word[0]) == 1):
            continue
        out.append(text[start:m.end()].strip())
        start = m.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def pick_evenly(items, n):
    if len(items) <= n:
        return items
    return [items[(2 * i + 1) * len(items) // (2 * n)] for i in range(n)]


def sotu_sentences(sotu_dir, first_year, last_year, per_address):
    result = []
    for name in sorted(os.listdir(sotu_dir)):
        year = int(name.split("_")[0])
        if first_year <= year <= last_year:
            with open(os.path.join(sotu_dir, name), encoding="utf-8", errors="replace") as f:
                candidates = [s for s in sentences(f.read()) if 8 <= len(s.split()) <= 45]
            result.extend(pick_evenly(candidates, per_address))
    return result


PARTIES = (("d", "democrat"), ("r", "republican"))


def is_prose(sentence):
    """False for rows of the budget tables in some addresses: dot leaders, or many words without letters."""
    words = sentence.split()
    return ".." not in sentence and "\t" not in sentence and \
        sum(1 for w in words if re.search(r"[A-Za-z]", w)) >= 0.8 * len(words)


def passages(text, min_words, max_words):
    """Runs of consecutive prose sentences, closed once they reach min_words and kept if at most max_words."""
    out, run = [], []
    for s in sentences(text):
        if not is_prose(s):
            run = []
            continue
        run.append(s)
        words = sum(len(x.split()) for x in run)
        if words >= min_words:
            if words <= max_words:
                out.append(" ".join(run))
            run = []
    return out


def party_passages(sotu_dir, first_year, last_year, per_party, min_words=40, max_words=80):
    """per_party passages per party, spread evenly over the addresses, then over the passages."""
    by_party = {letter: [] for letter, _ in PARTIES}
    for name in sorted(os.listdir(sotu_dir)):
        stem = name[:-len(".txt")]
        year, party = int(stem.split("_")[0]), stem.split("_")[-1]
        if first_year <= year <= last_year and party in by_party:
            with open(os.path.join(sotu_dir, name), encoding="utf-8", errors="replace") as f:
                text = re.sub(r"\[[^\]]*\]", " ", f.read())  # [Laughter], [Applause] and the like
            by_party[party].append(list(dict.fromkeys(passages(text, min_words, max_words))))
    counts = {}  # in how many addresses a passage occurs; boilerplate found in several is dropped
    for addresses in by_party.values():
        for address in addresses:
            for s in set(address):
                counts[s] = counts.get(s, 0) + 1
    rows = []
    for letter, label in PARTIES:
        addresses = by_party[letter]
        per_address = -(-2 * per_party // len(addresses))
        pool = [s for address in addresses for s in pick_evenly([s for s in address if counts[s] == 1], per_address)]
        picked = pick_evenly(pool, per_party)
        assert len(picked) == per_party, (label, len(picked))
        rows += [(label, s) for s in picked]
    return rows


def chapter_files(moby_dir, chapters):
    """chapter_N.txt for N in chapters, in chapter order (contents, extracts, etymology and epilogue are left out)."""
    names = [n for n in os.listdir(moby_dir) if re.fullmatch(r"chapter_\d+\.txt", n)
             and int(n[len("chapter_"):-len(".txt")]) in chapters]
    return [os.path.join(moby_dir, n) for n in sorted(names, key=lambda n: int(n[len("chapter_"):-len(".txt")]))]


def mix_sentences(data, evaluated):
    """Moby Dick chapters 1-67 whole, then as many SOTU sentences (1790-1899, 1946-1980) spread over the addresses."""
    moby = [s for path in chapter_files(os.path.join(data, "moby-dick"), TRAIN_CHAPTERS) for p in paragraphs(path)
            for s in sentences(p) if 4 <= len(s.split()) <= 60 and is_prose(s)]
    sotu_dir = os.path.join(data, "sotu")
    addresses = []
    for name in sorted(os.listdir(sotu_dir)):
        year = int(name.split("_")[0])
        if year <= 1899 or 1946 <= year <= 1980:
            with open(os.path.join(sotu_dir, name), encoding="utf-8", errors="replace") as f:
                text = re.sub(r"\[[^\]]*\]", " ", f.read())
            addresses.append([s for s in sentences(text) if 4 <= len(s.split()) <= 60 and is_prose(s)])
    per_address = -(-len(moby) // len(addresses))
    sotu = pick_evenly([s for a in addresses for s in pick_evenly(a, per_address)], len(moby))
    mix = list(dict.fromkeys(moby + sotu))
    assert not set(mix) & evaluated
    return mix


def paragraphs(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    # the first line is the chapter title ("CHAPTER 1. Loomings.")
    return [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", text) if p.strip() and not p.startswith("CHAPTER")]


QUOTES = "\"\u201c\u201d"


# Moby Dick is split in two halves: chapters 1-67 may be trained on (mix.txt), 68-135 are only ever evaluated on.
TRAIN_CHAPTERS = range(1, 68)
EVAL_CHAPTERS = range(68, 136)


def narrative_sentences(moby_dir, total, chapters, per_chapter=5):
    """Sentences of 8-45 words from paragraphs with no quotation mark at all (so no speech and no attribution)."""
    pool = []
    for path in chapter_files(moby_dir, chapters):
        candidates = [s for p in paragraphs(path) if not any(q in p for q in QUOTES)
                      for s in sentences(p) if 8 <= len(s.split()) <= 45 and is_prose(s)]
        pool.extend(pick_evenly(list(dict.fromkeys(candidates)), per_chapter))
    return pick_evenly(list(dict.fromkeys(pool)), total)


def dialogue_lines(moby_dir, total, chapters):
    """Quoted speech: the text between matching quotation marks ("..." or \u201c...\u201d) inside one paragraph."""
    pool = []
    for path in chapter_files(moby_dir, chapters):
        for p in paragraphs(path):
            for m in re.finditer(r'"([^"]+)"|\u201c([^\u201c\u201d]+)\u201d', p):
                speech = (m.group(1) or m.group(2)).strip()
                words = len(speech.split())
                if 4 <= words <= 40 and re.search(r"[A-Za-z]", speech) and not any(q in speech for q in QUOTES):
                    pool.append(speech)
    return pick_evenly(list(dict.fromkeys(pool)), total)


def main(data, out):
    os.makedirs(out, exist_ok=True)
    calibration = sotu_sentences(os.path.join(data, "sotu"), 1790, 1899, 3)
    heldout = sotu_sentences(os.path.join(data, "sotu"), 1900, 1945, 7)
    assert not set(calibration) & set(heldout)
    for name, lines in (("calibration.txt", calibration), ("heldout.txt", heldout)):
        with open(os.path.join(out, name), "w", encoding="utf-8", newline="\n") as f:
            f.writelines(line + "\n" for line in lines)
    party = party_passages(os.path.join(data, "sotu"), 1981, 2021, 200)
    assert not {t for _, t in party} & (set(calibration) | set(heldout))
    with open(os.path.join(out, "sotu-party.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("label\ttext\n")
        f.writelines(f"{label}\t{text}\n" for label, text in party)
    narrative = narrative_sentences(os.path.join(data, "moby-dick"), 300, EVAL_CHAPTERS)
    dialogue = dialogue_lines(os.path.join(data, "moby-dick"), 300, EVAL_CHAPTERS)
    assert len(narrative) == 300 and len(dialogue) == 300, (len(narrative), len(dialogue))
    assert not set(narrative) & set(dialogue)
    for name, lines in (("moby-dick-narrative.txt", narrative), ("moby-dick-dialogue.txt", dialogue)):
        with open(os.path.join(out, name), "w", encoding="utf-8", newline="\n") as f:
            f.writelines(line + "\n" for line in lines)
    mix = mix_sentences(data, set(heldout) | set(narrative) | set(dialogue) | {t for _, t in party})
    with open(os.path.join(out, "mix.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.writelines(line + "\n" for line in mix)
    print(f"mix {len(mix)} ({sum(len(x) + 1 for x in mix)} bytes), calibration {len(calibration)}, heldout {len(heldout)}, sotu-party {len(party)}, "
          f"moby-dick-narrative {len(narrative)}, moby-dick-dialogue {len(dialogue)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
