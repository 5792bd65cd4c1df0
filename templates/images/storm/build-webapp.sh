#!/bin/bash
# Build Storm's web applications (storm-webapp: UI, logviewer, DRPC server)
# from Apache's source release, offline: the image's builder stage runs it on
# a local Maven repository that bdprov downloaded on the host, pinned by
# webapp.lock (scripts/storm-webapp-lock.sh runs it online to write that lock).
#
#   build-webapp.sh BUILD OUT
#
# BUILD holds storm-<v>-source-release.zip and m2/ (the local repository);
# OUT receives the binary distribution's lib-webapp/ and public/ and Apache's
# launcher bin/storm, bin/storm.py. Environment: MVN (default mvn), MVN_ARGS,
# OFFLINE (default -o).
set -euo pipefail
build=$1
out=$2
MVN=${MVN:-mvn}
OFFLINE=${OFFLINE--o}
zip=$(ls "$build"/storm-*-source-release.zip)
version=${zip##*/storm-}; version=${version%-source-release.zip}
cd "$build"
rm -rf "storm-$version"
unzip -q "$zip"
src="$build/storm-$version"

# storm-core pulls storm-clojure, whose carbonite is only on Clojars (not
# Maven Central); the web applications use none of it.
perl -0pi -e 's{(<artifactId>storm-core</artifactId>\s*<version>\$\{project\.version\}</version>\s*<scope>\$\{provided\.scope\}</scope>)}{$1<exclusions><exclusion><groupId>org.apache.storm</groupId><artifactId>storm-clojure</artifactId></exclusion></exclusions>}' \
  "$src/storm-webapp/pom.xml"
grep -q '<artifactId>storm-clojure</artifactId></exclusion>' "$src/storm-webapp/pom.xml" \
  || { echo "storm-webapp/pom.xml: the storm-core dependency is not where it was in $version; adapt build-webapp.sh" >&2; exit 1; }

# storm-checkstyle is built too: the checkstyle plugin of the parent pom
# depends on it and it is not on Maven Central. Tests, checks and the source
# jar are skipped. The package phase copies storm-webapp's runtime
# dependencies (storm-core is `provided`: it is lib/) to target/dependency.
# shellcheck disable=SC2086
(cd "$src" && "$MVN" -B $OFFLINE ${MVN_ARGS:-} -Dstyle.color=never -Dmaven.repo.local="$build/m2" \
  -pl storm-checkstyle,storm-webapp package \
  -Dmaven.test.skip=true -Dcheckstyle.skip -Dpmd.skip -Dmaven.source.skip=true)

rm -rf "$out"
mkdir -p "$out/lib-webapp" "$out/bin"
cp "$src/storm-webapp/target/storm-webapp-$version.jar" "$src"/storm-webapp/target/dependency/*.jar "$out/lib-webapp/"
# The UI serves its pages from $STORM_HOME/public; the binary distribution's
# build writes a timestamp into their links (a cache buster): the version does.
cp -r "$src/storm-webapp/src/main/java/org/apache/storm/daemon/ui/WEB-INF" "$out/public"
grep -rl '\${packageTimestamp}' "$out/public" | xargs -r sed -i "s/\${packageTimestamp}/$version/g"
cp "$src/bin/storm" "$src/bin/storm.py" "$out/bin/"
chmod 0755 "$out/bin/storm" "$out/bin/storm.py"
rm -rf "$src"
