#!/usr/bin/env bash
# Runs every fuzz target for a bounded time and reports executions and findings.
#
#   fuzz/run.sh [SECONDS]        (default 30 seconds per target)
#
# Targets (fuzz_targets/): `guard` (argv bytes → parse → decide → canonical argv,
# with the checks of tests/integration/properties/oracle.rs) and `policy_load`
# (policy text → parse_policy). Each starts from its committed seeds
# (fuzz/seeds/TARGET) and past findings (fuzz/regressions/TARGET); new corpus
# entries go to fuzz/corpus/TARGET (not committed).
#
# A finding (crash, timeout, out-of-memory) is copied to fuzz/regressions/TARGET/,
# where `cargo test` replays it without the fuzzer (properties.rs,
# fuzz_inputs_of_*_pass_without_the_fuzzer): commit it with the fix. Exit status:
# 0 when no target found anything, 1 when one did, 2 when the fuzzers could not be
# built or run.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). cargo-fuzz passes
# nightly-only rustc flags (-Zsanitizer=address); RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept them, so no nightly toolchain is needed.
set -uo pipefail

seconds="${1:-30}"
case "$seconds" in
'' | *[!0-9]*)
	echo "usage: fuzz/run.sh [SECONDS]" >&2
	exit 2
	;;
esac
cd "$(dirname "$0")"
targets=(guard policy_load)

if ! command -v cargo-fuzz >/dev/null; then
	echo "fuzz/run.sh: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)" >&2
	exit 2
fi
export RUSTC_BOOTSTRAP=1

# A dictionary of the words docker's argv is made of: every string of the model
# (command words, flag names), every flag as --long and -s, and tokens the guard
# treats specially. Rebuilt each run, so it follows the model.
mkdir -p target
dict=target/guard.dict
{
	grep -oE '"[a-z_][a-z0-9_ -]*"' ../src/docker/spec.rs | tr -d '"' | tr ' ' '\n'
	grep -oE '(bool_flag|value_flag)\("[a-z0-9-]+"' ../src/docker/spec.rs |
		sed -E 's/^[a-z_]+\("/--/; s/"$//'
	grep -oE "Some\('[A-Za-z0-9]'\)" ../src/docker/spec.rs | sed -E "s/^Some\('(.)'\)$/-\1/"
	printf '%s\n' -- - = , : / /: ./ .. host container: unconfined seccomp= apparmor= \
		label= type=bind type=volume src= dst= volume-opt= o=bind device= readonly \
		ro rw rshared true false alpine /var/run/docker.sock /etc
} | grep -v '^$' | sort -u | sed 's/.*/"&"/' >"$dict"
printf '"\\x0a"\n"\\x00"\n' >>"$dict"

echo "fuzz/run.sh: building ${targets[*]}"
if ! cargo fuzz build -O >target/build.log 2>&1; then
	tail -n 40 target/build.log >&2
	echo "fuzz/run.sh: the fuzz targets do not build" >&2
	exit 2
fi

status=0
summary=()
for target in "${targets[@]}"; do
	mkdir -p "corpus/$target" "artifacts/$target" "regressions/$target"
	before=$(find "artifacts/$target" -type f | wc -l)
	log="target/$target.log"
	dict_arg=()
	[ "$target" = guard ] && dict_arg=(-dict="$dict")
	echo "fuzz/run.sh: $target for ${seconds}s"
	cargo fuzz run -O "$target" "corpus/$target" "seeds/$target" "regressions/$target" -- \
		-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
		"${dict_arg[@]}" >"$log" 2>&1
	code=$?
	execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n 1)
	found=()
	while IFS= read -r file; do
		[ -n "$file" ] && found+=("$file")
	done < <(find "artifacts/$target" -type f -newer "$dict" -name '*-*')
	if [ "$code" -ne 0 ] || [ "${#found[@]}" -gt 0 ]; then
		status=1
		echo "---- $target: libFuzzer output (tail) ----"
		tail -n 60 "$log" | cut -c1-300
		for file in "${found[@]}"; do
			cp "$file" "regressions/$target/"
			echo "finding: fuzz/$file, copied to fuzz/regressions/$target/ (replayed by cargo test)"
		done
		[ "${#found[@]}" -eq 0 ] && [ -z "$execs" ] && status=2
	fi
	summary+=("$target: ${execs:-?} executions in ${seconds}s, ${#found[@]} findings (exit $code; $before earlier artifacts)")
done

echo "---- fuzz summary ----"
printf '%s\n' "${summary[@]}"
exit "$status"
