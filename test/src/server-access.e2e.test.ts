import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';

import { redisTlsOptions, serviceFetch } from '@lethe/service-kit';

import { describeOnLocalStack } from './local-stack';
import { localPrincipalEnv } from './servers';
import { uniqueName } from './isolation';

// Redis and the MongoDB-wire server refuse whoever has no credentials, and a plain connection
// (issue 11): the forgery that made the fast consent check answer `granted` was an anonymous
// HSET. Against the local stack's real servers, as its real principals.

function redisAs(principal: string): Redis {
  const env = localPrincipalEnv(principal);
  return new Redis(env.LETHE_REDIS_URL!, {
    ...redisTlsOptions(env),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
}

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'allowed';
  } catch (error) {
    return (error as Error).message.split(' ')[0] ?? 'refused';
  }
}

describeOnLocalStack('Redis and MongoDB-wire on the local stack', () => {
  const key = `lethe:consent:{${uniqueName('sub')}}`;

  afterAll(async () => {
    const admin = redisAs('admin');
    await admin.del(key);
    admin.disconnect();
  });

  it('lets each Redis user reach its own keys only, and nobody in without a password or TLS', async () => {
    const consent = redisAs('consent');
    const account = redisAs('account');
    const auditor = redisAs('auditor');
    try {
      expect(await outcome(() => consent.hset(key, 'analytics', '0'))).toBe('allowed');
      expect(await outcome(() => account.hset(key, 'analytics', '1'))).toBe('NOPERM');
      expect(await outcome(() => auditor.hset(key, 'analytics', '1'))).toBe('NOPERM');
      expect(await auditor.hget(key, 'analytics')).toBe('0');
    } finally {
      for (const client of [consent, account, auditor]) client.disconnect();
    }
    const admin = localPrincipalEnv('admin');
    const anonymousUrl = admin.LETHE_REDIS_URL!.replace(/\/\/[^@]*@/, '//');
    const anonymous = new Redis(anonymousUrl, {
      ...redisTlsOptions(admin),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    expect(await outcome(() => anonymous.hset(key, 'analytics', '1'))).toBe('NOAUTH');
    anonymous.disconnect();
    const plain = new Redis(anonymousUrl.replace('rediss://', 'redis://'), {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    expect(await outcome(() => plain.connect())).not.toBe('allowed');
    plain.disconnect();
  });

  it('refuses a MongoDB client without credentials, and one without TLS', async () => {
    const url = new URL(localPrincipalEnv('admin').LETHE_MONGO_URL!);
    url.username = '';
    url.password = '';
    url.searchParams.delete('authMechanism');
    url.searchParams.set('serverSelectionTimeoutMS', '3000');
    const anonymous = new MongoClient(url.toString());
    await expect(anonymous.db('lethe').collection('subject_keys').findOne({})).rejects.toThrow(
      /authentication failed/i,
    );
    await anonymous.close();
    url.searchParams.delete('tls');
    url.searchParams.delete('tlsCAFile');
    const plain = new MongoClient(url.toString());
    await expect(plain.db('lethe').collection('subject_keys').findOne({})).rejects.toThrow();
    await plain.close();
  });
});

describeOnLocalStack('the schema registry on the local stack', () => {
  const admin = new URL(localPrincipalEnv('admin').LETHE_REGISTRY_URL!);
  const base = `${admin.origin}${admin.pathname}`;
  const fetchRegistry = serviceFetch(localPrincipalEnv('admin').LETHE_TLS_CA_FILE);
  const basic = (principal: string) => {
    const url = new URL(localPrincipalEnv(principal).LETHE_REGISTRY_URL!);
    return `Basic ${Buffer.from(`${url.username}:${url.password}`).toString('base64')}`;
  };
  const subject = uniqueName('lethe.access-test-value');
  const schema = JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'T', fields: [] }) });
  const register = (headers: Record<string, string>) =>
    fetchRegistry(`${base}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...headers },
      body: schema,
    });

  afterAll(async () => {
    for (const query of ['', '?permanent=true'])
      await fetchRegistry(`${base}/subjects/${subject}${query}`, {
        method: 'DELETE',
        headers: { authorization: basic('admin') },
      });
  });

  it('speaks HTTPS only, and answers nobody without credentials', async () => {
    await expect(fetch(`http://${admin.host}${admin.pathname}/subjects`)).rejects.toThrow();
    expect((await fetchRegistry(`${base}/subjects`)).status).toBe(401);
    expect((await register({})).status).toBe(401);
    expect(
      (await register({ authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` })).status,
    ).toBe(401);
  });

  it('lets a service look schemas up but not register one; admin registers', async () => {
    expect((await register({ authorization: basic('consent') })).status).toBe(403);
    expect((await register({ authorization: basic('auditor') })).status).toBe(403);
    const registered = await register({ authorization: basic('admin') });
    expect(registered.status).toBe(200);
    const { id } = (await registered.json()) as { id: number };
    const lookedUp = await fetchRegistry(`${base}/subjects/${subject}`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', authorization: basic('consent') },
      body: schema,
    });
    expect(lookedUp.status).toBe(200);
    expect(((await lookedUp.json()) as { id: number }).id).toBe(id);
    const removed = await fetchRegistry(`${base}/subjects/${subject}`, {
      method: 'DELETE',
      headers: { authorization: basic('consent') },
    });
    expect(removed.status).toBe(403);
  });
});
