#!/usr/bin/env node
// The `grounded-chat` command. A committed file rather than dist/cli.js itself, so that npm can
// link it (with its executable bit) at install time, before the first build has made dist/.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
