/**
 * The JSON form of order records and commands: what etcd stores (readable with {@code etcdctl
 * get}), what the local journal holds and what nodes send each other. Versioned by a {@code schema}
 * field; unknown versions and malformed input fail with {@link
 * org.hybridstore.CorruptDataException}.
 */
@NullMarked
package org.hybridstore.codec;

import org.jspecify.annotations.NullMarked;
