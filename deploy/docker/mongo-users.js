// docker-compose's MongoDB runs this once, when its data volume is new (the image's
// /docker-entrypoint-initdb.d): a user per Lethe principal from setup.sh's users.tsv, each
// limited to the lethe database. `admin` is the root user the image makes itself.
/* global db -- mongosh's current database */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- mongosh scripts load modules this way
const fs = require('fs');

const admin = db.getSiblingDB('admin');
for (const line of fs.readFileSync('/lethe/users.tsv', 'utf8').split('\n').filter(Boolean)) {
  const [user, pwd] = line.split('\t');
  const role = user === 'auditor' ? 'read' : 'readWrite';
  admin.createUser({ user, pwd, roles: [{ role, db: 'lethe' }] });
}
