/** SALT (spec ../shared/methods/04-svd-inits-pissa-svfit-salt-loldu.md C) as an adapter variant: scale and shift of the top singular values plus a LoRA pair. */
package org.lowrank4j.adapt.salt;
