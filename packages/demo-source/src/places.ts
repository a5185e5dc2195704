// Where demo stores are: the 27 UFs weighted roughly by population and travel spending, real cities,
// real shopping centres and the airports that have a CVC-style counter. Names are only for realism.

export interface City {
  name: string;
  weight: number;
  malls: readonly string[];
  streets: readonly string[];
  airport?: string;
}

export interface Uf {
  uf: string;
  weight: number;
  cities: readonly City[];
}

const c = (name: string, weight: number, malls: string[], streets: string[], airport?: string): City =>
  airport === undefined ? { name, weight, malls, streets } : { name, weight, malls, streets, airport };

export const UFS: readonly Uf[] = [
  {
    uf: 'SP',
    weight: 30,
    cities: [
      c(
        'São Paulo',
        10,
        [
          'Shopping Ibirapuera',
          'Shopping Morumbi',
          'Shopping Eldorado',
          'Shopping Center Norte',
          'Shopping Aricanduva',
          'Shopping Anália Franco',
          'Shopping Iguatemi',
          'Shopping Tatuapé',
          'Shopping Interlagos',
          'Shopping Butantã',
          'Shopping Metrô Santa Cruz',
          'Shopping Villa-Lobos',
        ],
        ['Avenida Paulista', 'Rua Augusta', 'Santana', 'Pinheiros', 'Moema', 'Lapa'],
        'Aeroporto de Congonhas',
      ),
      c(
        'Guarulhos',
        2,
        ['Shopping Internacional Guarulhos', 'Shopping Maia'],
        ['Centro Guarulhos'],
        'Aeroporto de Guarulhos',
      ),
      c(
        'Campinas',
        3,
        ['Shopping Iguatemi Campinas', 'Parque Dom Pedro Shopping', 'Galleria Shopping'],
        ['Cambuí'],
        'Aeroporto de Viracopos',
      ),
      c('Santos', 1.5, ['Praiamar Shopping', 'Miramar Shopping'], ['Gonzaga']),
      c('Ribeirão Preto', 1.5, ['RibeirãoShopping', 'Shopping Iguatemi Ribeirão'], ['Centro Ribeirão Preto']),
      c('São José dos Campos', 1.5, ['Shopping Colinas', 'Center Vale Shopping'], ['Vila Adyana']),
      c('Santo André', 1.2, ['Grand Plaza Shopping', 'Shopping ABC'], ['Centro Santo André']),
      c('Sorocaba', 1, ['Shopping Iguatemi Esplanada', 'Sorocaba Shopping'], ['Centro Sorocaba']),
      c('São Bernardo do Campo', 1, ['São Bernardo Plaza Shopping', 'Golden Square Shopping'], ['Rudge Ramos']),
      c('Osasco', 1, ['Shopping União de Osasco', 'Super Shopping Osasco'], ['Centro Osasco']),
      c('Jundiaí', 0.8, ['Maxi Shopping Jundiaí', 'Jundiaí Shopping'], ['Centro Jundiaí']),
    ],
  },
  {
    uf: 'RJ',
    weight: 12,
    cities: [
      c(
        'Rio de Janeiro',
        8,
        [
          'BarraShopping',
          'Shopping Leblon',
          'Rio Sul',
          'NorteShopping',
          'Shopping Tijuca',
          'Shopping Nova América',
          'Plaza Shopping Campo Grande',
          'Shopping Recreio',
        ],
        ['Copacabana', 'Centro Rio', 'Ipanema', 'Méier'],
        'Aeroporto Santos Dumont',
      ),
      c('Niterói', 1.5, ['Plaza Shopping Niterói', 'Niterói Shopping Bay'], ['Icaraí']),
      c('Duque de Caxias', 0.8, ['Caxias Shopping'], ['Centro Duque de Caxias']),
      c('Nova Iguaçu', 0.8, ['Shopping Nova Iguaçu', 'Top Shopping'], ['Centro Nova Iguaçu']),
      c('Petrópolis', 0.5, ['Shopping Bauhaus'], ['Centro Petrópolis']),
    ],
  },
  {
    uf: 'MG',
    weight: 10,
    cities: [
      c(
        'Belo Horizonte',
        5,
        ['BH Shopping', 'Diamond Mall', 'Shopping Del Rey', 'Boulevard Shopping BH', 'Minas Shopping', 'Pátio Savassi'],
        ['Savassi', 'Centro BH'],
        'Aeroporto de Confins',
      ),
      c('Uberlândia', 1.2, ['Center Shopping Uberlândia', 'Uberlândia Shopping'], ['Centro Uberlândia']),
      c('Juiz de Fora', 1, ['Independência Shopping', 'Jardim Norte'], ['Centro Juiz de Fora']),
      c('Contagem', 0.8, ['Itaú Power Shopping', 'Shopping Contagem'], ['Eldorado Contagem']),
      c('Montes Claros', 0.5, ['Montes Claros Shopping'], ['Centro Montes Claros']),
    ],
  },
  {
    uf: 'RS',
    weight: 6,
    cities: [
      c(
        'Porto Alegre',
        4,
        ['BarraShoppingSul', 'Shopping Iguatemi Porto Alegre', 'Praia de Belas Shopping', 'Bourbon Shopping Country'],
        ['Moinhos de Vento', 'Centro Histórico'],
        'Aeroporto Salgado Filho',
      ),
      c('Caxias do Sul', 1, ['Shopping Iguatemi Caxias', 'Shopping San Pelegrino'], ['Centro Caxias do Sul']),
      c('Pelotas', 0.6, ['Shopping Pelotas'], ['Centro Pelotas']),
      c('Canoas', 0.6, ['Canoas Shopping', 'ParkShopping Canoas'], ['Centro Canoas']),
    ],
  },
  {
    uf: 'PR',
    weight: 6,
    cities: [
      c(
        'Curitiba',
        4,
        ['Shopping Mueller', 'ParkShoppingBarigüi', 'Shopping Estação', 'Shopping Palladium Curitiba', 'Pátio Batel'],
        ['Batel', 'Rua XV de Novembro'],
        'Aeroporto Afonso Pena',
      ),
      c('Londrina', 1, ['Catuaí Shopping Londrina', 'Boulevard Londrina'], ['Centro Londrina']),
      c('Maringá', 1, ['Maringá Park', 'Catuaí Shopping Maringá'], ['Zona 1']),
      c('Foz do Iguaçu', 0.5, ['Catuaí Palladium'], ['Centro Foz do Iguaçu'], 'Aeroporto de Foz do Iguaçu'),
    ],
  },
  {
    uf: 'BA',
    weight: 5,
    cities: [
      c(
        'Salvador',
        4,
        ['Shopping da Bahia', 'Salvador Shopping', 'Shopping Barra', 'Shopping Paralela'],
        ['Pituba', 'Comércio'],
        'Aeroporto de Salvador',
      ),
      c('Feira de Santana', 1, ['Boulevard Shopping Feira', 'Shopping Feira de Santana'], ['Centro Feira de Santana']),
      c('Vitória da Conquista', 0.5, ['Shopping Conquista Sul'], ['Centro Vitória da Conquista']),
    ],
  },
  {
    uf: 'SC',
    weight: 4,
    cities: [
      c(
        'Florianópolis',
        2,
        ['Beiramar Shopping', 'Floripa Shopping', 'Shopping Iguatemi Florianópolis'],
        ['Centro Florianópolis'],
        'Aeroporto de Florianópolis',
      ),
      c('Joinville', 1.2, ['Shopping Mueller Joinville', 'Garten Shopping'], ['Centro Joinville']),
      c('Blumenau', 1, ['Shopping Neumarkt', 'Park Europeu'], ['Rua XV Blumenau']),
      c('Balneário Camboriú', 0.8, ['Balneário Shopping', 'Atlântico Shopping'], ['Avenida Brasil BC']),
    ],
  },
  {
    uf: 'DF',
    weight: 3,
    cities: [
      c(
        'Brasília',
        1,
        [
          'ParkShopping',
          'Conjunto Nacional',
          'Brasília Shopping',
          'Iguatemi Brasília',
          'Taguatinga Shopping',
          'Pátio Brasil',
        ],
        ['Asa Sul', 'Asa Norte'],
        'Aeroporto de Brasília',
      ),
    ],
  },
  {
    uf: 'GO',
    weight: 3,
    cities: [
      c(
        'Goiânia',
        3,
        ['Flamboyant Shopping', 'Goiânia Shopping', 'Shopping Bougainville', 'Passeio das Águas'],
        ['Setor Bueno', 'Setor Oeste'],
        'Aeroporto de Goiânia',
      ),
      c('Anápolis', 0.8, ['Brasil Park Shopping'], ['Centro Anápolis']),
    ],
  },
  {
    uf: 'PE',
    weight: 3,
    cities: [
      c(
        'Recife',
        3,
        ['Shopping Recife', 'RioMar Recife', 'Shopping Tacaruna', 'Plaza Shopping Recife'],
        ['Boa Viagem', 'Casa Forte'],
        'Aeroporto do Recife',
      ),
      c('Jaboatão dos Guararapes', 0.8, ['Shopping Guararapes'], ['Piedade']),
      c('Caruaru', 0.5, ['Caruaru Shopping'], ['Centro Caruaru']),
    ],
  },
  {
    uf: 'CE',
    weight: 3,
    cities: [
      c(
        'Fortaleza',
        3,
        ['Shopping Iguatemi Fortaleza', 'RioMar Fortaleza', 'North Shopping Fortaleza', 'Shopping Aldeota'],
        ['Aldeota', 'Meireles'],
        'Aeroporto de Fortaleza',
      ),
      c('Juazeiro do Norte', 0.5, ['Cariri Garden Shopping'], ['Centro Juazeiro do Norte']),
    ],
  },
  {
    uf: 'ES',
    weight: 2,
    cities: [
      c('Vitória', 1.5, ['Shopping Vitória', 'Shopping Praia da Costa'], ['Praia do Canto'], 'Aeroporto de Vitória'),
      c('Vila Velha', 1, ['Shopping Vila Velha'], ['Praia da Costa']),
    ],
  },
  {
    uf: 'PA',
    weight: 2,
    cities: [
      c(
        'Belém',
        2,
        ['Boulevard Shopping Belém', 'Shopping Pátio Belém', 'Parque Shopping Belém'],
        ['Nazaré'],
        'Aeroporto de Belém',
      ),
      c('Santarém', 0.4, ['Rio Tapajós Shopping'], ['Centro Santarém']),
    ],
  },
  {
    uf: 'AM',
    weight: 1.5,
    cities: [
      c(
        'Manaus',
        1,
        ['Manauara Shopping', 'Amazonas Shopping', 'Shopping Ponta Negra'],
        ['Centro Manaus'],
        'Aeroporto de Manaus',
      ),
    ],
  },
  {
    uf: 'MT',
    weight: 1.5,
    cities: [
      c('Cuiabá', 1.5, ['Pantanal Shopping', 'Goiabeiras Shopping'], ['Centro Cuiabá'], 'Aeroporto de Cuiabá'),
      c('Rondonópolis', 0.4, ['Rondon Plaza Shopping'], ['Centro Rondonópolis']),
    ],
  },
  {
    uf: 'MS',
    weight: 1.5,
    cities: [
      c(
        'Campo Grande',
        1.5,
        ['Shopping Campo Grande', 'Shopping Bosque dos Ipês'],
        ['Centro Campo Grande'],
        'Aeroporto de Campo Grande',
      ),
      c('Dourados', 0.4, ['Shopping Avenida Center'], ['Centro Dourados']),
    ],
  },
  {
    uf: 'RN',
    weight: 1,
    cities: [c('Natal', 1, ['Midway Mall', 'Natal Shopping'], ['Ponta Negra'], 'Aeroporto de Natal')],
  },
  {
    uf: 'PB',
    weight: 1,
    cities: [
      c('João Pessoa', 1, ['Manaíra Shopping', 'Mangabeira Shopping'], ['Tambaú'], 'Aeroporto de João Pessoa'),
      c('Campina Grande', 0.4, ['Partage Shopping Campina Grande'], ['Centro Campina Grande']),
    ],
  },
  {
    uf: 'AL',
    weight: 1,
    cities: [c('Maceió', 1, ['Maceió Shopping', 'Parque Shopping Maceió'], ['Ponta Verde'], 'Aeroporto de Maceió')],
  },
  {
    uf: 'MA',
    weight: 1,
    cities: [c('São Luís', 1, ['Shopping da Ilha', 'São Luís Shopping'], ['Renascença'], 'Aeroporto de São Luís')],
  },
  {
    uf: 'SE',
    weight: 0.7,
    cities: [c('Aracaju', 1, ['Shopping Jardins', 'RioMar Aracaju'], ['Atalaia'], 'Aeroporto de Aracaju')],
  },
  {
    uf: 'PI',
    weight: 0.7,
    cities: [c('Teresina', 1, ['Teresina Shopping', 'Riverside Shopping'], ['Centro Teresina'])],
  },
  { uf: 'TO', weight: 0.5, cities: [c('Palmas', 1, ['Capim Dourado Shopping'], ['Plano Diretor Sul'])] },
  { uf: 'RO', weight: 0.5, cities: [c('Porto Velho', 1, ['Porto Velho Shopping'], ['Centro Porto Velho'])] },
  { uf: 'AC', weight: 0.3, cities: [c('Rio Branco', 1, ['Via Verde Shopping'], ['Centro Rio Branco'])] },
  { uf: 'AP', weight: 0.3, cities: [c('Macapá', 1, ['Amapá Garden Shopping'], ['Centro Macapá'])] },
  { uf: 'RR', weight: 0.3, cities: [c('Boa Vista', 1, ['Roraima Garden Shopping'], ['Centro Boa Vista'])] },
];
