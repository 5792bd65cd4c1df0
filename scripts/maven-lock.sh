#!/usr/bin/env bash
# Regenerate a lock of Maven artifacts from its list of top-level artifacts.
#
#   scripts/maven-lock.sh IMAGE [NAME]
#
# reads templates/images/IMAGE/NAME.deps and writes templates/images/IMAGE/NAME.lock
# (NAME defaults to maven). maven.lock holds the files of the image's build
# context (destinations IMAGE/<folder>/<file>); any other NAME.lock holds files
# that are not part of the image (e.g. examples.lock: jars the tests download),
# with destinations <folder>/<file>.
#
# NAME.deps: one top-level artifact a line (blank lines and `#` comments allowed):
#   <folder>  <groupId>:<artifactId>:<version>[:<extension>[:<classifier>]]  [option ...]
# The artifact itself goes into <folder>; each of its transitive runtime
# dependencies (scopes compile and runtime; test, provided, system and optional
# ones left out) goes into <folder>/lib (or <folder> when it already ends in
# /lib) of the first line that pulls it in. All these lines are resolved
# together in one throwaway pom, so Maven picks one version per
# groupId:artifactId for them all (nearest wins, then declaration order).
# Options:
#   nodeps            the artifact alone, without dependencies (e.g. a `tests`
#                     jar wanted only for its resources). Fetched straight from
#                     the repository (checked against its .sha1), not through
#                     Maven: its pom is not read (so a missing parent pom, as
#                     for Storm's flux-core, does not matter) and it takes no
#                     part in Maven's choice of versions.
#   exclude=<g>:<a>[,<g>:<a>...]
#                     Maven exclusions on this artifact: none of them (nor what
#                     only they pull in) is resolved or locked; `*` works as in
#                     Maven (<g>:*)
#   flat              <folder> is resolved on its own: all lines of <folder>
#                     (each must say flat) go into a pom of their own, Maven
#                     picks versions for that folder alone, and every
#                     dependency goes directly into <folder> (not <folder>/lib),
#                     even when another folder locks the same jar too (e.g.
#                     Storm's lib/ and lib-worker/ both hold storm-client and
#                     its dependencies)
#
# NAME.lock (tab-separated, `#` comments):
#   <destination>  <g>:<a>:<v>:<ext>[:<classifier>]  <sha256>  <size>
# The file is downloaded from <maven base>/<g with dots as slashes>/<a>/<v>/<a>-<v>[-<classifier>].<ext>.
#
# Needs mvn and a JDK on this machine (only to write the lock; building the
# image needs neither). Environment: MVN (default mvn), MAVEN_REPO_URL
# (default https://repo1.maven.org/maven2), DEPENDENCY_PLUGIN (version),
# MAVEN_LOCK_KEEP (non-empty: keep the scratch folder with poms and mvn logs),
# MAVEN_LOCK_OUT (write the lock there instead, e.g. to compare it with the
# committed one).
set -euo pipefail

usage() { echo "usage: $0 IMAGE [NAME]   (reads templates/images/IMAGE/NAME.deps, NAME defaults to maven)" >&2; exit 2; }
[ $# -eq 1 ] || [ $# -eq 2 ] || usage
image=$1
name=${2:-maven}
case "$name" in ''|*/*|.*) usage ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/templates/images/$image"
deps="$dir/$name.deps"
lock="${MAVEN_LOCK_OUT:-$dir/$name.lock}"
[ -f "$deps" ] || { echo "$deps: not found" >&2; exit 1; }
# destinations: the build context's IMAGE/ for the image's own lock, bare otherwise
if [ "$name" = maven ]; then prefix="$image/"; cmd="$image"; else prefix=""; cmd="$image $name"; fi
MVN=${MVN:-mvn}
REPO_URL=${MAVEN_REPO_URL:-https://repo1.maven.org/maven2}
PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:${DEPENDENCY_PLUGIN:-3.8.1}"
command -v "$MVN" >/dev/null || { echo "mvn not found (set MVN)" >&2; exit 1; }

tmp=$(mktemp -d)
trap '[ -n "${MAVEN_LOCK_KEEP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"' EXIT

xml() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' <<<"$1"; }
US=$'\x1f'   # field separator of the scratch tables (tabs would merge empty fields)

# --- parse NAME.deps --------------------------------------------------------
# tops: group  key(g:a:ext:classifier)  folder  g  a  v  ext  classifier  nodeps  excludes(g:a,...)
# group: "shared" for the lines resolved together, "flat:<folder>" for a flat folder
: >"$tmp/tops"
n=0
while IFS= read -r line || [ -n "$line" ]; do
  line=${line%%#*}
  read -r folder coord opts <<<"$line" || true
  read -r -a optv <<<"${opts:-}" || true
  [ -n "${folder:-}" ] || continue
  n=$((n + 1))
  [ -n "${coord:-}" ] || { echo "$deps: bad line: $line" >&2; exit 1; }
  IFS=: read -r g a v ext cls rest <<<"$coord"
  if [ -z "$g" ] || [ -z "$a" ] || [ -z "$v" ] || [ -n "${rest:-}" ]; then
    echo "$deps: bad coordinates '$coord' (want g:a:v[:ext[:classifier]])" >&2; exit 1
  fi
  ext=${ext:-jar}
  folder=${folder#/}; folder=${folder%/}
  nodeps=; flat=; excludes=
  for o in ${optv[@]+"${optv[@]}"}; do
    case "$o" in
      nodeps) nodeps=nodeps ;;
      flat) flat=flat ;;
      exclude=?*)
        IFS=, read -r -a xs <<<"${o#exclude=}"
        for x in "${xs[@]}"; do
          IFS=: read -r xg xa xrest <<<"$x"
          if [ -z "$xg" ] || [ -z "$xa" ] || [ -n "${xrest:-}" ]; then
            echo "$deps: bad exclusion '$x' in: $line (want exclude=<g>:<a>[,<g>:<a>...])" >&2; exit 1
          fi
        done
        excludes=${excludes:+$excludes,}${o#exclude=} ;;
      *) echo "$deps: unknown option '$o' in: $line (want nodeps, flat, exclude=<g>:<a>,...)" >&2; exit 1 ;;
    esac
  done
  group=shared; [ -z "$flat" ] || group="flat:$folder"
  printf '%s\n' "$group$US$g:$a:$ext:$cls$US$folder$US$g$US$a$US$v$US$ext$US$cls$US$nodeps$US$excludes" >>"$tmp/tops"
done <"$deps"
[ "$n" -gt 0 ] || { echo "$deps: no artifacts" >&2; exit 1; }

# a folder is either flat (all its lines say so) or shared
bad=$(awk -F"$US" '{ k[$3 FS ($1 == "shared")] = 1 } END { for (x in k) { split(x, f, FS); c[f[1]]++ } for (d in c) if (c[d] > 1) print d }' "$tmp/tops")
[ -z "$bad" ] || { echo "$deps: folder '$bad' has lines with and without flat (all or none)" >&2; exit 1; }

# --- resolve each group in a throwaway pom -----------------------------------
# writes $tmp/entries: dest  coord  file-downloaded-by-mvn
: >"$tmp/entries"
gi=0
while IFS= read -r group; do
  gi=$((gi + 1))
  gd="$tmp/g$gi"; mkdir -p "$gd"
  awk -F"$US" -v g="$group" '$1 == g' "$tmp/tops" >"$gd/tops"
  {
    cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.bdprov.lock</groupId>
  <artifactId>$(xml "$image-$name-$gi")</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <repositories>
    <repository><id>central</id><url>$(xml "$REPO_URL")</url></repository>
  </repositories>
  <dependencies>
EOF
    while IFS="$US" read -r _ _ _ g a v ext cls nodeps excludes; do
      [ -z "$nodeps" ] || continue
      echo "    <dependency>"
      echo "      <groupId>$(xml "$g")</groupId><artifactId>$(xml "$a")</artifactId><version>$(xml "$v")</version>"
      [ "$ext" = jar ] || echo "      <type>$(xml "$ext")</type>"
      [ -z "$cls" ] || echo "      <classifier>$(xml "$cls")</classifier>"
      if [ -n "$excludes" ]; then
        echo "      <exclusions>"
        IFS=, read -r -a xs <<<"$excludes"
        for x in "${xs[@]}"; do
          echo "        <exclusion><groupId>$(xml "${x%%:*}")</groupId><artifactId>$(xml "${x#*:}")</artifactId></exclusion>"
        done
        echo "      </exclusions>"
      fi
      echo "    </dependency>"
    done <"$gd/tops"
    cat <<EOF
  </dependencies>
</project>
EOF
  } >"$gd/pom.xml"

  # nodeps lines stay in tops (a dependency they are places nothing) but not in the pom
  count=$(awk -F"$US" '$9 == ""' "$gd/tops" | wc -l)
  [ "$count" -gt 0 ] || continue
  case "$group" in
    shared) what="" ;;
    *) what=" (folder ${group#flat:}, flat)" ;;
  esac
  echo "resolving $count artifacts of $image/$name.deps$what with $MVN ..." >&2
  ( cd "$gd" && "$MVN" -B -Dstyle.color=never "$PLUGIN:tree" -DoutputFile="$gd/tree.txt" -DoutputType=text ) \
    >"$gd/mvn-tree.log" 2>&1 || { cat "$gd/mvn-tree.log" >&2; echo "mvn dependency:tree failed ($gd/pom.xml)" >&2; exit 1; }
  ( cd "$gd" && "$MVN" -B -Dstyle.color=never "$PLUGIN:copy-dependencies" -DoutputDirectory="$gd/files" \
      -Dmdep.useRepositoryLayout=true -DincludeScope=runtime -Dmdep.copyPom=false ) \
    >"$gd/mvn-copy.log" 2>&1 || { cat "$gd/mvn-copy.log" >&2; echo "mvn dependency:copy-dependencies failed ($gd/pom.xml)" >&2; exit 1; }

  # --- walk the resolved tree -------------------------------------------------
  # Each artifact appears once in Maven's resolved tree; the depth-1 ancestor is
  # the top-level line that pulls it in.
  # Tree lines: `<indent>g:a:ext[:classifier]:v:scope[ (optional)...]`, 3 chars per level.
  awk -v tops="$gd/tops" -v prefix="$prefix" -v flat="$([ "$group" = shared ] || echo 1)" -v files="$gd/files" '
    BEGIN {
      while ((getline l < tops) > 0) { split(l, f, "\037"); folder[f[2]] = f[3]; istop[f[2]] = 1 }
    }
    NR == 1 { next }                          # the throwaway project itself
    {
      line = $0
      match(line, /^[ |+\\-]*/); ind = RLENGTH
      depth = ind / 3
      rest = substr(line, ind + 1)
      split(rest, w, " "); c = w[1]
      if (rest ~ /\(optional\)/) { skip[depth] = 1 } else { skip[depth] = 0 }
      nf = split(c, p, ":")
      if (nf == 5)      { g = p[1]; a = p[2]; e = p[3]; cl = "";   v = p[4]; s = p[5] }
      else if (nf == 6) { g = p[1]; a = p[2]; e = p[3]; cl = p[4]; v = p[5]; s = p[6] }
      else { print "unparsable tree line: " line > "/dev/stderr"; exit 1 }
      for (d = 1; d < depth; d++) if (skip[d]) skip[depth] = 1
      if (s != "compile" && s != "runtime") skip[depth] = 1
      key = g ":" a ":" e ":" cl
      if (depth == 1) top = key
      if (skip[depth]) next
      if (depth == 1) {
        if (!(key in istop)) { print "top-level artifact not found in tree: " key > "/dev/stderr"; exit 1 }
        dest = folder[key]
      } else {
        if (key in istop) next                # listed itself: its own line places it
        dest = folder[top]
        if (!flat && dest !~ /(^|\/)lib$/) dest = dest "/lib"
      }
      file = a "-" v (cl == "" ? "" : "-" cl) "." e
      gp = g; gsub(/\./, "/", gp)
      print prefix dest "/" file "\t" g ":" a ":" v ":" e (cl == "" ? "" : ":" cl) "\t" files "/" gp "/" a "/" v "/" file
    }
  ' "$gd/tree.txt" >"$gd/entries"

  # everything mvn copied must be in the lock (and nothing else)
  want=$(wc -l <"$gd/entries")
  got=$(find "$gd/files" -type f ! -name '_remote.repositories' ! -name 'maven-metadata*' \
    ! -name '*.sha1' ! -name '*.md5' ! -name '*.lastUpdated' 2>/dev/null | wc -l)
  [ "$want" -eq "$got" ] || echo "warning: $group: lock has $want files, mvn copied $got" >&2
  cat "$gd/entries" >>"$tmp/entries"
done < <(cut -d"$US" -f1 "$tmp/tops" | awk '!seen[$0]++')

# --- nodeps lines: the file alone, straight from the repository ---------------
while IFS="$US" read -r _ _ folder g a v ext cls nodeps _; do
  [ -n "$nodeps" ] || continue
  file="$a-$v${cls:+-$cls}.$ext"
  path="${g//.//}/$a/$v/$file"
  f="$tmp/nodeps/$path"
  mkdir -p "$(dirname "$f")"
  echo "fetching $g:$a:$v:$ext${cls:+:$cls} (nodeps) from $REPO_URL ..." >&2
  curl -fsSL --retry 3 -o "$f" "$REPO_URL/$path" || { echo "cannot download $REPO_URL/$path" >&2; exit 1; }
  sha1=$(curl -fsSL --retry 3 "$REPO_URL/$path.sha1" | awk '{ print $1; exit }') \
    || { echo "cannot download $REPO_URL/$path.sha1" >&2; exit 1; }
  [ "$(sha1sum "$f" | cut -d' ' -f1)" = "$sha1" ] || { echo "$REPO_URL/$path: does not match its .sha1" >&2; exit 1; }
  printf '%s\t%s\t%s\n' "$prefix$folder/$file" "$g:$a:$v:$ext${cls:+:$cls}" "$f" >>"$tmp/entries"
done <"$tmp/tops"

# a file name must not appear twice in one folder (same artifactId, other group)
dups=$(cut -f1 "$tmp/entries" | sort | uniq -d)
[ -z "$dups" ] || { echo "destination used twice: $dups" >&2; exit 1; }

{
  printf '# generated by scripts/maven-lock.sh %s from %s.deps (mvn %s, dependency plugin %s) on %s; do not edit\n' \
    "$cmd" "$name" "$("$MVN" -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g; s/^Apache Maven //; s/ (.*//')" "${PLUGIN##*:}" "$(date -u +%Y-%m-%d)"
  printf '# <destination>\t<groupId>:<artifactId>:<version>:<extension>[:<classifier>]\t<sha256>\t<size>; download: <maven base>/<g as path>/<a>/<v>/<a>-<v>[-<classifier>].<ext>\n'
  while IFS=$'\t' read -r dest coord f; do
    [ -f "$f" ] || { echo "not downloaded by mvn: $coord ($f)" >&2; exit 1; }
    sum=$(sha256sum "$f" | cut -d' ' -f1)
    size=$(stat -c %s "$f")
    printf '%s\t%s\t%s\t%s\n' "$dest" "$coord" "$sum" "$size"
  done < <(sort -t$'\t' -k1,1 "$tmp/entries")
} >"$tmp/out.lock"

mv "$tmp/out.lock" "$lock"
total=$(awk -F'\t' '!/^#/ { s += $4; n++ } END { printf "%d files, %.1f MB", n, s / 1048576 }' "$lock")
echo "wrote $lock: $total" >&2
