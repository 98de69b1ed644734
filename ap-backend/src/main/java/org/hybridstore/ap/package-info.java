/**
 * The degraded backend of HybridStore: a durable local journal on MapDB, replicated between nodes
 * with ScaleCube. {@link org.hybridstore.ap.MapDbBackendFactory} is the only public type; the store
 * receives it as a {@link org.hybridstore.spi.LocalBackendFactory}. See {@code
 * docs/local-journal.md}.
 */
@NullMarked
package org.hybridstore.ap;

import org.jspecify.annotations.NullMarked;
