/** HybridStore's public API: the order store, its values, results, configuration and exceptions. */
package org.hybridstore;
