console.log('tls placeholder');
