/**
 * The strong backend of HybridStore: orders stored in etcd through jetcd. {@link
 * org.hybridstore.cp.EtcdBackendFactory} is the only public type; it implements the store-api SPI
 * {@link org.hybridstore.spi.StrongBackendFactory}, and no jetcd or gRPC type appears in its
 * signature.
 */
@NullMarked
package org.hybridstore.cp;

import org.jspecify.annotations.NullMarked;
