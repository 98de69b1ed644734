/**
 * The service provider interface a backend implements. {@code switchover} compiles against these
 * types only; the etcd backend ({@code cp-backend}) implements {@link
 * org.hybridstore.spi.StrongBackend} and the MapDB/ScaleCube backend ({@code ap-backend})
 * implements {@link org.hybridstore.spi.LocalBackend}. No library type (jetcd, MapDB, ScaleCube,
 * Reactor) appears here.
 */
@NullMarked
package org.hybridstore.spi;

import org.jspecify.annotations.NullMarked;
