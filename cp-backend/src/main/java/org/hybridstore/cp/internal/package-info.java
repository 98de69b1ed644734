/**
 * The etcd implementation behind {@link org.hybridstore.cp.EtcdBackendFactory}: one gRPC channel
 * per configured member ({@code MemberConnection}), the backend's view of which members serve
 * linearizable requests ({@code MemberView}, {@code MemberHealth}, {@code MemberChecker}), the
 * router that sends each call to one of them ({@code Router}), the parts of the backend by concern
 * ({@code CommandWriter}, {@code GroupCommitter}, {@code Merger}, {@code Reader}, {@code
 * EtcdWatchFeed}, {@code Prober}), the key layout ({@code EtcdKeys}) and the one place that
 * classifies gRPC failures ({@code EtcdErrors}). It speaks etcd's gRPC API through the stubs jetcd
 * generates, not through jetcd's {@code Client}. Not an API: other modules must not use these
 * types.
 */
@NullMarked
package org.hybridstore.cp.internal;

import org.jspecify.annotations.NullMarked;
