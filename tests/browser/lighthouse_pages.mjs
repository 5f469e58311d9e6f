// Lighthouse on several pages with one Node process and one Chromium (for tests/browser/lighthouse.py).
//
//   node tests/browser/lighthouse_pages.mjs CATEGORIES CHROME_FLAGS OUTPUT_DIR URL...
//
// Launches Chromium once (chrome-launcher, as the `lighthouse` command does; CHROME_PATH names the binary), then
// runs Lighthouse's Node API on each URL in turn, each in a fresh tab with the storage and cache reset (as each
// run of the command does), with the default mobile settings; writes the report of the Nth URL to OUTPUT_DIR/N.json.
// A run whose result has a runtimeError (such as NO_NAVSTART) is tried once more, as lighthouse.py does the command;
// the report is written either way and lighthouse.py judges it.
import fs from 'node:fs';
import path from 'node:path';

import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const [categories, chromeFlags, outputDir, ...urls] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({chromeFlags: chromeFlags.split(' ').filter(Boolean), logLevel: 'silent'});
try {
  for (const [index, url] of urls.entries()) {
    let result;
    for (let attempt = 0; attempt < 2; attempt++) {
      result = await lighthouse(url, {
        port: chrome.port,
        output: 'json',
        logLevel: 'silent',
        formFactor: 'mobile',
        onlyCategories: categories.split(','),
      });
      if (!result.lhr.runtimeError) break;
    }
    fs.writeFileSync(path.join(outputDir, `${index}.json`), result.report);
  }
} finally {
  chrome.kill();
}
