// tests/bench/peer-deep-email-validator.mjs - run the npm package
// deep-email-validator over a list of addresses, the way its README shows
// (validate({ email, ... }) per address), N at a time, against the fakes.
//
//   node peer-deep-email-validator.mjs DNSPORT CONCURRENCY LIST > results
//
// The package asks dns.resolveMx() for the MX (pointed at fakedns with
// dns.setServers) and then connects with net.createConnection(25, host):
// the port is hard-coded and the host name goes through dns.lookup(),
// i.e. the system resolver.  So the benchmark runs fakesmtp on port 25 of
// its loopback addresses, and this wrapper answers dns.lookup() from the
// same fake DNS (dns.resolve4) instead of /etc/resolv.conf.  Nothing here
// can reach a non-loopback address: a lookup that yields one is an error.
//
// Output, one line per address: address TAB verdict TAB valid:reason:detail.
// The package only says valid true/false; the verdict maps that as fairly
// as its reason allows: valid -> deliverable; a 5xx text ("Mailbox not
// found.", ...) or no MX / bad syntax -> undeliverable; a 4xx text, a
// timeout or a dropped connection -> unknown.  (It cannot say risky.)
import dns from 'node:dns';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [dnsport, conc, list] = process.argv.slice(2);
const server = `127.0.0.1:${dnsport}`;
dns.setServers([server]);
let lookups = 0;
dns.lookup = function (host, opts, cb) {
	if (typeof opts === 'function') { cb = opts; opts = {}; }
	lookups++;
	dns.resolve4(host, (err, addrs) => {
		if (err) return cb(err);
		const a = addrs[0];
		if (!a.startsWith('127.')) return cb(new Error(`refusing non-loopback ${a}`));
		if (opts && opts.all) return cb(null, [{ address: a, family: 4 }]);
		cb(null, a, 4);
	});
};
const req = createRequire(path.join(process.cwd(), 'x.js'));
const modpath = req.resolve('deep-email-validator');
const { validate } = await import(modpath.replace(/index\.cjs$/, 'index.js'));

const addrs = fs.readFileSync(list, 'utf8').split('\n').filter(Boolean);
let next = 0;
const out = [];
async function worker() {
	while (next < addrs.length) {
		const email = addrs[next++];
		const r = await validate({ email, additionalTopLevelDomains: ['test'] });
		const why = String(r.valid ? '' : (r.validators[r.reason] || {}).reason || '').replace(/\s+/g, ' ');
		let v = 'deliverable';
		if (!r.valid) {
			v = 'undeliverable';
			if (r.reason === 'smtp' && !/^Mailbox not found|SMTP Error: The (specified user|mail address|mailbox .* run out|mail transaction)/.test(why))
				v = 'unknown';
		}
		out.push(`${email}\t${v}\t${r.valid}:${r.reason || ''}:${why}`);
	}
}
await Promise.all(Array.from({ length: Number(conc) }, worker));
process.stdout.write(out.join('\n') + '\n');
process.stderr.write(`lookups ${lookups}\n`);
