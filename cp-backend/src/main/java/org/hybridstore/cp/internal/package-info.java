/**
 * The etcd implementation behind {@link org.hybridstore.cp.EtcdBackendFactory}: the order backend
 * ({@code EtcdOrderBackend}), the key layout ({@code EtcdKeys}), the one place that classifies
 * jetcd and gRPC failures ({@code EtcdErrors}), the client settings ({@code EtcdClients}) and the
 * change feed ({@code EtcdWatchFeed}). Not an API: other modules must not use these types.
 */
@NullMarked
package org.hybridstore.cp.internal;

import org.jspecify.annotations.NullMarked;
