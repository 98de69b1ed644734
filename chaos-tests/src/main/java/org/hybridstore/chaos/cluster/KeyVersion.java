package org.hybridstore.chaos.cluster;

/**
 * One version of an etcd key, read through the JSON gateway.
 *
 * @param modRevision the revision that wrote this version
 * @param readAt the store revision the read was served at (etcd's header revision)
 * @param value the value's bytes
 */
@SuppressWarnings("ArrayRecordComponent") // a value as etcd returned it, never compared
public record KeyVersion(long modRevision, long readAt, byte[] value) {}
