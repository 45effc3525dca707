#!/usr/bin/env bash
# Brings the Bicep CLI onto this machine from NuGet and prints the path of the `bicep` binary.
#
# Why NuGet: the project's machines reach the npm registry, Debian's packages and NuGet, nothing
# else; the Bicep CLI is published on NuGet as Azure.Bicep.CommandLine.linux-x64. A `dotnet
# restore` of a throwaway project with a <PackageDownload> puts it in the NuGet cache
# (~/.nuget/packages), where a second run finds it without any network. Rejected: the
# install script of the Bicep docs and `az bicep install` (both download from GitHub).
#
# Usage: infra/tools/get-bicep.sh   -> prints /root/.nuget/packages/.../tools/bicep
# Exits 3 when no .NET SDK is installed (callers decide whether that is a skip or a failure).
set -euo pipefail

version="${BICEP_VERSION:-0.49.2}"
package="azure.bicep.commandline.linux-x64"
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
bin="$cache/$package/$version/tools/bicep"

if [ ! -f "$bin" ]; then
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "get-bicep: no .NET SDK (dotnet) on PATH, cannot fetch the Bicep CLI" >&2
    exit 3
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cat >"$work/get-bicep.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>netstandard2.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Azure.Bicep.CommandLine.linux-x64" Version="[$version]" />
  </ItemGroup>
</Project>
XML
  echo "get-bicep: restoring Azure.Bicep.CommandLine.linux-x64 $version from NuGet" >&2
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet restore "$work/get-bicep.csproj" >&2
fi

if [ ! -f "$bin" ]; then
  echo "get-bicep: the restore finished but $bin is missing" >&2
  exit 1
fi
# NuGet extracts files without their execute bit.
[ -x "$bin" ] || chmod +x "$bin"
echo "$bin"
