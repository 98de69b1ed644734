/** HybridStore's public API: the order store, its values, results, configuration and exceptions. */
@NullMarked
package org.hybridstore;

import org.jspecify.annotations.NullMarked;
