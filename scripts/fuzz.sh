#!/usr/bin/env bash
# Runs every fuzz target of tests/it/fuzz.rs for a bounded time with many cases (release build),
# then the hostile-input cases too big for the test command: a real 1 GB-line JSONL file and a
# real zip bomb, with the peak memory of each import. Not part of the test command.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET=120] [CASES=100000000]  (the time bound usually ends a target)
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-120}
cases=${2:-100000000}
targets=(csv_reader_takes_any_bytes jsonl_reader_gives_one_row_per_non_blank_line
  xlsx_reader_takes_damaged_workbooks chain_toml_parser_takes_any_text
  credit_code_parser_takes_any_text_and_accepts_what_it_makes
  an_import_of_damaged_json_lines_accounts_for_every_row)
cargo test --release --test it --no-run --quiet 2>/dev/null
status=0
for t in "${targets[@]}"; do
  start=$(date +%s)
  # timeout ends a target that is still finding nothing; a failure (or a hang past the time,
  # exit 124 is expected) is reported by proptest with its minimal case.
  CHAINSCOUT_FUZZ_CASES=$cases timeout "$secs" cargo test --release --quiet --test it "fuzz::$t" -- --exact >/tmp/fuzz-$t.log 2>&1
  rc=$?
  if [ $rc -eq 0 ] || [ $rc -eq 124 ]; then
    echo "fuzz $t: no failure in $(( $(date +%s) - start )) s"
  else
    echo "fuzz $t: FAILED (see /tmp/fuzz-$t.log; the case is saved under tests/it/proptest-regressions/)"
    status=1
  fi
done

cargo build --release --quiet
export CHAINSCOUT_LOG=warn
bin=target/release/chainscout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import sys, zipfile, os
work = sys.argv[1]
with open(os.path.join(work, "huge-line.jsonl"), "w") as f:
    f.write('{"name":"前一行有限公司","region":"320583"}\n')
    f.write('{"name":"' + "长" * (1024 * 1024 * 1024 // 3) + '"}\n')   # ~1 GB line
    f.write('{"name":"后一行有限公司","region":"320583"}\n')
with zipfile.ZipFile(os.path.join(work, "bomb.xlsx"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", "<Types/>")
    with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as s:
        chunk = b"0" * (1 << 20)
        for _ in range(2048):                                       # 2 GB of zeros
            s.write(chunk)
PY
for f in huge-line.jsonl bomb.xlsx; do
  /usr/bin/time -f "%e s, peak %M KB" "$bin" --data "$work/data-$f" import enterprises "$work/$f" >"$work/out" 2>"$work/err"
  echo "hostile $f ($(du -h "$work/$f" | cut -f1)): $(grep 's, peak' "$work/err"); $(head -c 300 "$work/out" | tr '\n' ' ')$(grep -v 's, peak\|Command exited' "$work/err" | tail -1 | head -c 300)"
done
exit $status
