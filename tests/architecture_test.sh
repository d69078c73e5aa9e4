#!/usr/bin/env bash
# Checks that layers depend one way (docs/architecture.md): fails listing every offending #include.
set -u
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2
fail=0
check() {  # check <description> <grep -E pattern> <paths...>
  local what=$1 pattern=$2; shift 2
  local hits
  hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($pattern)" "$@" 2>/dev/null)
  if [ -n "$hits" ]; then
    echo "layering violation: $what"; echo "$hits"; fail=1
  fi
}
existing() { for p in "$@"; do [ -e "$p" ] && echo "$p"; done; }

# core/ (the deterministic RNG) depends on nothing but the standard library.
mapfile -t core < <(existing include/seqvi/core src/core)
[ ${#core[@]} -gt 0 ] && check "core/ must depend on nothing but the standard library" \
  'Eigen|hdf5|H5|mpi|cereal|spdlog|CLI/|toml|seqvi/(data|model|store|mpi|search|train|job|cli)' "${core[@]}"
# The model core: pure functions over Eigen; no files, MPI, logging or other layers.
mapfile -t model < <(existing include/seqvi/model include/seqvi/model.hpp src/model)
[ ${#model[@]} -gt 0 ] && check "model/ must not use files, MPI, logging, CLI or upper layers" \
  'hdf5|H5|mpi|cereal|spdlog|CLI/|toml|fstream|iostream|seqvi/(store|mpi|search|train|job|cli|data)/' "${model[@]}"
# infer/: inference on one sequence from the model core's networks; no files, logging or upper layers.
mapfile -t infer < <(existing include/seqvi/infer include/seqvi/infer.hpp src/infer)
[ ${#infer[@]} -gt 0 ] && check "infer/ must not use files, MPI, logging, CLI or upper layers" \
  'hdf5|H5|mpi|cereal|spdlog|CLI/|toml|fstream|iostream|seqvi/(store|mpi|search|train|job|cli)/' "${infer[@]}"
# The data layer sits at the bottom.
mapfile -t data < <(existing include/seqvi/data include/seqvi/data.hpp src/data)
[ ${#data[@]} -gt 0 ] && check "data/ must not use HDF5, MPI or upper layers" \
  'hdf5|H5|mpi|cereal|seqvi/(store|mpi|search|train|job|cli|model)' "${data[@]}"
# search/ and mpi/ know trials, not models: no Eigen, no model.
mapfile -t trials < <(existing include/seqvi/search src/search include/seqvi/mpi src/mpi)
[ ${#trials[@]} -gt 0 ] && check "search/ and mpi/ must not use Eigen or the model" \
  'Eigen|seqvi/model' "${trials[@]}"
# mpi/ sees the sweep's storage only through its ledger interface (mpi/sweep_ledger.hpp): the sweep
# layer (sweep/) adapts the store to it.
mapfile -t mpi < <(existing include/seqvi/mpi src/mpi)
[ ${#mpi[@]} -gt 0 ] && check "mpi/ must not include store/ (it sees a ledger: sweep/store_ledger.hpp)" \
  'seqvi/(store|sweep|train|infer|cli)/' "${mpi[@]}"
# store/ and search/ sit below mpi/ and sweep/.
mapfile -t below < <(existing include/seqvi/store src/store include/seqvi/search src/search)
[ ${#below[@]} -gt 0 ] && check "store/ and search/ must not include mpi/, sweep/ or cli/" \
  'seqvi/(mpi|sweep|cli)/' "${below[@]}"
# sweep/ composes mpi/ and store/; nothing below it includes it, and it knows no model.
mapfile -t sweep < <(existing include/seqvi/sweep src/sweep)
[ ${#sweep[@]} -gt 0 ] && check "sweep/ must not use Eigen, the model or cli/" 'Eigen|seqvi/(model|cli)/' "${sweep[@]}"
# Only store/ includes HDF5.
mapfile -t not_store < <(existing include/seqvi/{data,model,train,search,mpi,sweep,job} src/{data,model,train,search,mpi,sweep,job,cli})
[ ${#not_store[@]} -gt 0 ] && check "only store/ includes HDF5" 'hdf5|H5[A-Za-z]*\.h' "${not_store[@]}"
# Only src/mpi/transport_mpi.cpp includes <mpi.h>.
hits=$(grep -rlnE '#[[:space:]]*include[[:space:]]*[<"]mpi\.h' include src 2>/dev/null | grep -v '^src/mpi/transport_mpi.cpp$')
[ -n "$hits" ] && { echo "layering violation: only src/mpi/transport_mpi.cpp includes <mpi.h>:"; echo "$hits"; fail=1; }
[ $fail -eq 0 ] && echo "layers depend one way"
exit $fail
