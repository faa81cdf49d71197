#!/usr/bin/env node
// Entry point for the `portico` command: runs the compiled CLI from dist/.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
